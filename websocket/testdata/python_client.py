"""Python's websockets (Debian's python3-websockets) as the client of
brisk's WebSocket server. Prints one line per case, "<case>: ok" or
"<case>: FAIL <why>"; exits 1 if any failed. Usage: python_client.py PORT
"""

import asyncio
import os
import struct
import sys

import websockets
from websockets.exceptions import ConnectionClosed

PORT = int(sys.argv[1])
BASE = f"ws://127.0.0.1:{PORT}"
failed = False


def report(name, ok, why=""):
    global failed
    print(f"{name}: ok" if ok else f"{name}: FAIL {why}", flush=True)
    if not ok:
        failed = True


def masked_frame(first_byte, payload, second_extra=0):
    """A client frame written by hand (websockets refuses to send bad ones)."""
    key = os.urandom(4)
    n = len(payload)
    assert n < 126
    body = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes([first_byte, 0x80 | n | second_extra]) + key + body


async def closed_with(ws, expected):
    """Waits for the server to close; returns its code if not `expected`."""
    try:
        await asyncio.wait_for(ws.recv(), 5)
    except ConnectionClosed:
        pass
    except asyncio.TimeoutError:
        return "no close within 5 s"
    await ws.wait_closed()
    if ws.close_code != expected:
        return f"close code {ws.close_code}, wanted {expected}"
    return None


async def case(name, coro):
    try:
        why = await asyncio.wait_for(coro, 20)
        report(name, why is None, why or "")
    except Exception as e:  # any failure is the case's
        report(name, False, f"{type(e).__name__}: {e}")


async def echo_text():
    async with websockets.connect(f"{BASE}/echo") as ws:
        await ws.send("hello, brisk")
        got = await ws.recv()
        return None if got == "hello, brisk" else repr(got)


async def echo_binary():
    async with websockets.connect(f"{BASE}/echo") as ws:
        data = bytes(range(256)) * 4
        await ws.send(data)
        got = await ws.recv()
        return None if got == data else "binary differs"


async def echo_utf8():
    async with websockets.connect(f"{BASE}/echo") as ws:
        text = "κόσμε ✓ 𝄞 \u0000 end"
        await ws.send(text)
        got = await ws.recv()
        return None if got == text else repr(got)


async def fragmented():
    async with websockets.connect(f"{BASE}/echo") as ws:
        # An iterable is sent as one message in fragments; a ping between.
        await ws.send(["frag", "ment", "ed ✓"])
        await ws.send([b"\x00\x01", b"\x02"])
        a = await ws.recv()
        b = await ws.recv()
        return None if (a, b) == ("fragmented ✓", b"\x00\x01\x02") else repr((a, b))


async def large():
    async with websockets.connect(f"{BASE}/echo", max_size=2**21) as ws:
        data = os.urandom(1_000_000)
        await ws.send(data)
        got = await ws.recv()
        return None if got == data else "large message differs"


async def many():
    async with websockets.connect(f"{BASE}/echo") as ws:
        sent = [os.urandom(n) for n in (0, 1, 125, 126, 127, 65535, 65536, 70000)]
        sent += [f"msg {i}" for i in range(300)]
        for m in sent:
            await ws.send(m)
        for m in sent:
            got = await ws.recv()
            if got != m:
                return f"message {len(m)} bytes differs"
        return None


async def ping_pong():
    async with websockets.connect(f"{BASE}/echo") as ws:
        waiter = await ws.ping(b"are you there")
        await asyncio.wait_for(waiter, 5)
        await ws.send("after ping")
        return None if await ws.recv() == "after ping" else "echo after ping"


async def server_closes_with_code():
    async with websockets.connect(f"{BASE}/close") as ws:
        await ws.send("close please")
        why = await closed_with(ws, 4000)
        if why:
            return why
        return None if ws.close_reason == "bye" else repr(ws.close_reason)


async def client_closes():
    ws = await websockets.connect(f"{BASE}/echo")
    await ws.send("x")
    await ws.recv()
    await ws.close(1000, "done")
    return None if ws.close_code == 1000 else f"close code {ws.close_code}"


async def too_big():
    async with websockets.connect(f"{BASE}/echo", max_size=2**22) as ws:
        try:
            await ws.send(b"x" * (2 * 1024 * 1024))
        except ConnectionClosed:
            pass  # refused while it was still being sent
        return await closed_with(ws, 1009)


async def invalid_utf8():
    async with websockets.connect(f"{BASE}/echo") as ws:
        ws.transport.write(masked_frame(0x81, b"ok \xff"))
        return await closed_with(ws, 1007)


async def invalid_utf8_across_fragments():
    async with websockets.connect(f"{BASE}/echo") as ws:
        # U+20AC split over two fragments is fine; a bad continuation is not.
        ws.transport.write(masked_frame(0x01, b"\xe2\x82"))
        ws.transport.write(masked_frame(0x80, b"\xac"))
        got = await ws.recv()
        if got != "\u20ac":
            return repr(got)
        ws.transport.write(masked_frame(0x01, b"\xe2\x82"))
        ws.transport.write(masked_frame(0x80, b"\x41"))
        return await closed_with(ws, 1007)


async def reserved_bit():
    async with websockets.connect(f"{BASE}/echo") as ws:
        ws.transport.write(masked_frame(0xC1, b"rsv1"))
        return await closed_with(ws, 1002)


async def bad_opcode():
    async with websockets.connect(f"{BASE}/echo") as ws:
        ws.transport.write(masked_frame(0x83, b""))
        return await closed_with(ws, 1002)


async def continuation_without_start():
    async with websockets.connect(f"{BASE}/echo") as ws:
        ws.transport.write(masked_frame(0x80, b"lost"))
        return await closed_with(ws, 1002)


async def fragmented_ping():
    async with websockets.connect(f"{BASE}/echo") as ws:
        ws.transport.write(masked_frame(0x09, b"half"))
        return await closed_with(ws, 1002)


async def unmasked_frame():
    async with websockets.connect(f"{BASE}/echo") as ws:
        ws.transport.write(b"\x81\x02hi")
        return await closed_with(ws, 1002)


async def bad_close_code():
    async with websockets.connect(f"{BASE}/echo") as ws:
        ws.transport.write(masked_frame(0x88, struct.pack("!H", 1005)))
        return await closed_with(ws, 1002)


async def subprotocol():
    async with websockets.connect(f"{BASE}/proto",
                                  subprotocols=["superchat", "chat"]) as ws:
        return None if ws.subprotocol == "chat" else repr(ws.subprotocol)


async def refused_handshake():
    try:
        async with websockets.connect(f"{BASE}/echo",
                                      origin="http://evil.example"):
            return "connected despite a foreign Origin"
    except websockets.exceptions.InvalidStatusCode as e:
        return None if e.status_code == 403 else f"status {e.status_code}"


JSON = ('{"user":"ada","id":%d,"tags":["alpha","beta","gamma"],'
        '"text":"the quick brown fox jumps over the lazy dog"}')


async def deflate_echo(path):
    async with websockets.connect(f"{BASE}{path}") as ws:
        names = [e.name for e in ws.extensions]
        if names != ["permessage-deflate"]:
            return f"extensions {names}"
        sent = [JSON % i for i in range(200)] + [os.urandom(200_000), "x", ""]
        for m in sent:
            await ws.send(m)
        for m in sent:
            if await ws.recv() != m:
                return f"compressed message of {len(m)} differs"
        return None


async def deflate_bomb():
    async with websockets.connect(f"{BASE}/deflate", max_size=2**24) as ws:
        try:
            await ws.send(b"\0" * (8 * 1024 * 1024))
        except ConnectionClosed:
            pass
        return await closed_with(ws, 1009)


async def deflate_declined_by_client():
    async with websockets.connect(f"{BASE}/deflate", compression=None) as ws:
        if ws.extensions:
            return f"extensions {ws.extensions}"
        await ws.send(JSON % 1)
        return None if await ws.recv() == JSON % 1 else "echo differs"


async def main():
    for name, coro in [
        ("echo_text", echo_text()),
        ("echo_binary", echo_binary()),
        ("echo_utf8", echo_utf8()),
        ("fragmented", fragmented()),
        ("large", large()),
        ("many", many()),
        ("ping_pong", ping_pong()),
        ("server_closes_with_code", server_closes_with_code()),
        ("client_closes", client_closes()),
        ("too_big", too_big()),
        ("invalid_utf8", invalid_utf8()),
        ("invalid_utf8_across_fragments", invalid_utf8_across_fragments()),
        ("reserved_bit", reserved_bit()),
        ("bad_opcode", bad_opcode()),
        ("continuation_without_start", continuation_without_start()),
        ("fragmented_ping", fragmented_ping()),
        ("unmasked_frame", unmasked_frame()),
        ("bad_close_code", bad_close_code()),
        ("subprotocol", subprotocol()),
        ("refused_handshake", refused_handshake()),
        ("deflate_echo", deflate_echo("/deflate")),
        ("deflate_context_takeover", deflate_echo("/deflate-ctx")),
        ("deflate_bomb", deflate_bomb()),
        ("deflate_declined_by_client", deflate_declined_by_client()),
    ]:
        await case(name, coro)


asyncio.run(main())
sys.exit(1 if failed else 0)
