#!/usr/bin/env python3
"""A WebSocket peer on Python's `websockets` package, for StarlingHTTP's interop tests and
benchmark. Prints one line per event on stdout.

  ws_peer.py client URL [SUBPROTOCOL...]
      Connects (offering the subprotocols), prints "AGREED <subprotocol or ->", then sends:
      "hello", a 3-fragment text message "frag-ment-ed", the binary bytes 00 01 02 ff, a
      ping (prints "PONG" when answered), and "bye"; prints each message it receives as
      "TEXT <text>" or "BINARY <hex>" until it has 4, then closes with 1000 and prints
      "CLOSED <code>".
  ws_peer.py server [SUBPROTOCOL...]
      Serves on 127.0.0.1:0 (choosing the first offered subprotocol it knows), prints
      "PORT <port>", echoes each message back as it came (text as text, binary as binary)
      and prints it as above, and prints "CLOSED <code> <reason>" when a connection ends.
      Exits when its standard input closes.
  ws_peer.py bench URL COUNT SIZE WINDOW
      Sends COUNT binary messages of SIZE bytes, at most WINDOW unanswered, waits for every
      echo, prints "RATE <messages per second>".
"""
import asyncio
import sys
import time

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve


def show(message):
    if isinstance(message, str):
        print("TEXT", message, flush=True)
    else:
        print("BINARY", message.hex(), flush=True)


async def client(url, subprotocols):
    async with connect(url, subprotocols=subprotocols or None, max_size=2**24) as ws:
        print("AGREED", ws.subprotocol or "-", flush=True)
        await ws.send("hello")
        await ws.send(["frag", "-ment", "-ed"])
        await ws.send(bytes([0, 1, 2, 255]))
        pong = await ws.ping()
        await asyncio.wait_for(pong, 30)
        print("PONG", flush=True)
        await ws.send("bye")
        for _ in range(4):
            show(await ws.recv())
        await ws.close(1000)
        print("CLOSED", ws.close_code, flush=True)


async def server(subprotocols):
    async def echo(ws):
        try:
            async for message in ws:
                show(message)
                await ws.send(message)
        finally:
            print("CLOSED", ws.close_code, ws.close_reason, flush=True)

    async with serve(echo, "127.0.0.1", 0, subprotocols=subprotocols or None, max_size=2**24) as srv:
        port = srv.sockets[0].getsockname()[1]
        print("PORT", port, flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)


async def bench(url, count, size, window):
    payload = bytes(size)
    async with connect(url, max_size=2**24, compression=None) as ws:
        start = time.perf_counter()
        sent = received = 0
        while received < count:
            while sent < count and sent - received < window:
                await ws.send(payload)
                sent += 1
            await ws.recv()
            received += 1
        elapsed = time.perf_counter() - start
        print("RATE", int(count / elapsed), flush=True)


def main():
    mode = sys.argv[1]
    if mode == "client":
        asyncio.run(client(sys.argv[2], sys.argv[3:]))
    elif mode == "server":
        asyncio.run(server(sys.argv[2:]))
    elif mode == "bench":
        asyncio.run(bench(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])))
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
