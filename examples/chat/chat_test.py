"""Three members (Python's websockets, Debian's python3-websockets) in the
chat room of examples/chat: joins, a broadcast to the others only, /who,
a leave; then the server stops with SIGTERM and drains.
Usage: chat_test.py CHAT_BINARY"""

import asyncio
import os
import signal
import subprocess
import sys
import time

import websockets


async def recv(ws):
    return await asyncio.wait_for(ws.recv(), 5)


async def scenario(port):
    url = f"ws://127.0.0.1:{port}/chat?name="
    ada = await websockets.connect(url + "ada")
    bob = await websockets.connect(url + "bob")
    assert await recv(ada) == "* bob joined"
    cy = await websockets.connect(url + "cy")
    assert await recv(ada) == "* cy joined"
    assert await recv(bob) == "* cy joined"
    await ada.send("hello, room")
    assert await recv(bob) == "ada: hello, room"
    assert await recv(cy) == "ada: hello, room"
    await cy.send("/who")
    who = await recv(cy)
    assert sorted(who.split()[2:]) == ["ada", "bob", "cy"], who
    await bob.close()
    assert await recv(ada) == "* bob left"
    assert await recv(cy) == "* bob left"
    # The server stops: the others get a 1001 close.
    return ada, cy


def main():
    out_path = os.path.join(os.environ.get("TEST_TMPDIR", "/tmp"), "chat.out")
    out = open(out_path, "w+")
    server = subprocess.Popen([sys.argv[1], "127.0.0.1:0"], stdout=out,
                              stderr=subprocess.STDOUT)
    try:
        port = None
        for _ in range(200):
            out.seek(0)
            text = out.read()
            if "listening on " in text:
                port = int(text.split("listening on 127.0.0.1:")[1].split()[0])
                break
            time.sleep(0.025)
        assert port, "chat did not start"
        async def run():
            ada, cy = await scenario(port)
            server.send_signal(signal.SIGTERM)

            async def closed(ws):
                try:
                    await asyncio.wait_for(ws.recv(), 10)
                except websockets.exceptions.ConnectionClosed:
                    return ws.close_code
                return None

            return await asyncio.gather(closed(ada), closed(cy))

        codes = asyncio.run(run())
        assert codes == [1001, 1001], codes
        assert server.wait(10) == 0
        out.seek(0)
        assert "stopped: drained" in out.read()
        print("chat: ok")
    finally:
        if server.poll() is None:
            server.kill()


main()
