"""Python's websockets (Debian's python3-websockets) as the server brisk's
client talks to. Listens on 127.0.0.1 (a free port),
and by path (it prints "listening on 127.0.0.1:N" first):
  /echo    every message back (permessage-deflate when offered)
  /close   after the first message, closes with 4001 "server bye"
  /chat    subprotocols "chat" and "superchat"; echoes "<subprotocol>:<msg>"
  /ping    pings the client, waits for the pong, sends "pong came"
Each closing handshake it sees is printed as "closed <path> <code> <reason>".
Exits after 120 s (the test kills it sooner).
Usage: python_server.py [--tls CERT_PEM KEY_PEM]   (wss:// with --tls)
"""

import asyncio
import ssl
import sys

import websockets


async def handler(ws, path):
    try:
        if path == "/close":
            await ws.recv()
            await ws.close(4001, "server bye")
        elif path == "/chat":
            async for m in ws:
                await ws.send(f"{ws.subprotocol}:{m}")
        elif path == "/ping":
            waiter = await ws.ping(b"from python")
            await asyncio.wait_for(waiter, 5)
            await ws.send("pong came")
            async for m in ws:
                pass
        else:
            async for m in ws:
                await ws.send(m)
    except websockets.exceptions.ConnectionClosed:
        pass
    print(f"closed {path} {ws.close_code} {ws.close_reason}", flush=True)


async def main():
    tls = None
    if len(sys.argv) == 4 and sys.argv[1] == "--tls":
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(sys.argv[2], sys.argv[3])
    async with websockets.serve(handler, "127.0.0.1", 0, ssl=tls,
                                subprotocols=["chat", "superchat"],
                                max_size=2**22) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on 127.0.0.1:{port}", flush=True)
        await asyncio.sleep(120)


asyncio.run(main())
sys.exit(0)
