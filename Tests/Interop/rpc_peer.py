#!/usr/bin/env python3
"""An nng (pynng) peer that speaks Starling's RPC envelope, for the RPC interop tests.

    rpc_peer.py ROLE URL COUNT

ROLE is `client-dial`, `client-listen`, `server-dial` or `server-listen`. With `listen` and a
tcp URL ending in :0, the chosen port is printed first as `PORT n`. Then `READY`.

The envelope (see Sources/Starling/Docs.docc/RPC.md):

    request: u8 n | method name (n bytes) | JSON arguments
    reply:   u8 0 | JSON result
             u8 status (1 handler error, 2 unknown method, 3 bad arguments, 4 malformed
             request) | u16 BE t | error type name (t bytes) | message (the rest)

client: a req0 socket with COUNT contexts makes COUNT concurrent calls "join" {"a": i, "b": i},
one on each context (a Starling server that answers none of them before it holds all COUNT
proves they run concurrently), then one call each to "fail", "nope" (unknown) and "join" with
bad arguments, and one malformed envelope. It prints `RESULT <i> <json>` for each join and
`ERROR <name> <status> <type> <message>` for the others, then `DONE`.

server: a rep0 socket with COUNT+2 contexts, each answering in its own asyncio task:
"join" {"a","b"} answers a+b only once COUNT join requests are waiting (so a Starling client
must make them concurrently), "add" {"a","b"} answers a+b at once, "fail" answers a handler
error (type "ValueError"), "echo" answers its arguments, anything else answers "unknown
method". It prints `DONE` after COUNT joins.

Either way the peer then waits for a line (or end of file) on stdin, closes and exits.
"""
import asyncio
import json
import socket
import struct
import sys

import pynng


def request(method: str, arguments) -> bytes:
    name = method.encode()
    return bytes([len(name)]) + name + json.dumps(arguments).encode()


def parse_reply(body: bytes):
    status = body[0]
    if status == 0:
        return 0, json.loads(body[1:]), None
    (length,) = struct.unpack(">H", body[1:3])
    return status, body[3 : 3 + length].decode(), body[3 + length :].decode()


def failure(status: int, type_name: str, message: str) -> bytes:
    name = type_name.encode()
    return bytes([status]) + struct.pack(">H", len(name)) + name + message.encode()


async def client(sock, count: int) -> None:
    async def call(ctx, body: bytes):
        await ctx.asend(body)
        return parse_reply(await ctx.arecv())

    contexts = [sock.new_context() for _ in range(count)]

    async def join(i: int):
        status, value, _ = await call(contexts[i], request("join", {"a": i, "b": i}))
        print(f"RESULT {i} {json.dumps(value) if status == 0 else 'status' + str(status)}", flush=True)

    await asyncio.gather(*(join(i) for i in range(count)))
    for name, body in [
        ("fail", request("fail", {"reason": "from python"})),
        ("nope", request("nope", {})),
        ("badargs", request("join", {"a": "x"})),
        ("malformed", bytes([9]) + b"ab"),
    ]:
        status, type_name, message = await call(contexts[0], body)
        print(f"ERROR {name} {status} {type_name} {message}", flush=True)
    for ctx in contexts:
        ctx.close()


async def server(sock, count: int) -> None:
    arrived = 0
    everyone = asyncio.Event()
    done = asyncio.Event()
    answered = 0

    async def answer(body: bytes) -> bytes:
        nonlocal arrived, answered
        if len(body) < 1 or len(body) < 1 + body[0] or body[0] == 0:
            return failure(4, "MalformedRequest", "cannot read the method name")
        method = body[1 : 1 + body[0]].decode()
        payload = body[1 + body[0] :]
        if method == "echo":
            return b"\x00" + payload
        if method in ("join", "add"):
            try:
                arguments = json.loads(payload)
                total = arguments["a"] + arguments["b"]
            except Exception as error:  # noqa: BLE001 - every failure goes back to the caller
                return failure(3, type(error).__name__, str(error))
            if method == "join":
                arrived += 1
                if arrived >= count:
                    everyone.set()
                await everyone.wait()
                answered += 1
                if answered == count:
                    done.set()
            return b"\x00" + json.dumps(total).encode()
        if method == "fail":
            return failure(1, "ValueError", "python says no")
        return failure(2, "KeyError", f"no method {method!r}")

    async def worker(ctx):
        while True:
            try:
                body = await ctx.arecv()
            except pynng.exceptions.Closed:
                return
            await ctx.asend(await answer(body))

    workers = [asyncio.create_task(worker(sock.new_context())) for _ in range(count + 2)]
    await done.wait()
    print("DONE", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for task in workers:
        task.cancel()


def main() -> int:
    role, url, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    kind, direction = role.split("-")
    sock = (pynng.Req0 if kind == "client" else pynng.Rep0)(recv_timeout=60_000, send_timeout=60_000)
    with sock:
        if direction == "listen":
            listener = sock.listen(url)
            if url.startswith("tcp") and url.endswith(":0"):
                # pynng reports the port in network byte order.
                print(f"PORT {socket.ntohs(listener.local_address.port)}", flush=True)
        else:
            sock.dial(url, block=True)
        print("READY", flush=True)
        if kind == "client":
            asyncio.run(client(sock, count))
            print("DONE", flush=True)
            sys.stdin.readline()
        else:
            asyncio.run(server(sock, count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
