#!/usr/bin/env python3
"""An nng (pynng) RPC peer on pair1, speaking the frame of Starling's RPCPeer, for its interop tests.

    rpc_pair_peer.py dial|listen URL COUNT

With `listen` and a tcp URL ending in :0, the chosen port is printed first as `PORT n`. Then `READY`.

The frame (see Sources/Starling/Docs.docc/RPC.md): every pair1 message body is

    u8 kind (0 request, 1 reply) | u32 BE call ID | the RPC envelope's request or reply body

and the envelope is

    request: u8 n | method name (n bytes) | JSON arguments
    reply:   u8 0 | JSON result
             u8 status (1 handler error, 2 unknown method, 3 bad arguments, 4 malformed
             request) | u16 BE t | error type name (t bytes) | message (the rest)

It serves: "add" {"a","b"} answers a+b; "join" {"a","b"} answers a+b only once COUNT joins are
waiting (so the Starling side must make them concurrently); "twice" n calls the Starling side's
"double" with n and answers that plus one (a call back over the same link while a call is
being answered); "fail" answers a handler error (type "ValueError"); anything else answers
"unknown method".

At the same time it calls the Starling side: COUNT concurrent calls "join" {"a": i, "b": i},
printing `RESULT <i> <json>` for each, then one call each to "fail" and "nope", printing
`ERROR <name> <status> <type> <message>`, then `DONE`. It then waits for a line (or end of file)
on stdin, closes and exits.
"""
import asyncio
import itertools
import json
import socket
import struct
import sys

import pynng

REQUEST, REPLY = 0, 1


def frame(kind: int, call_id: int, body: bytes) -> bytes:
    return struct.pack(">BI", kind, call_id) + body


def request(method: str, arguments) -> bytes:
    name = method.encode()
    return bytes([len(name)]) + name + json.dumps(arguments).encode()


def failure(status: int, type_name: str, message: str) -> bytes:
    name = type_name.encode()
    return bytes([status]) + struct.pack(">H", len(name)) + name + message.encode()


def parse_reply(body: bytes):
    status = body[0]
    if status == 0:
        return 0, json.loads(body[1:]), None
    (length,) = struct.unpack(">H", body[1:3])
    return status, body[3 : 3 + length].decode(), body[3 + length :].decode()


class Peer:
    def __init__(self, sock, count: int):
        self.sock = sock
        self.count = count
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future] = {}
        self.joins = 0
        self.everyone = asyncio.Event()

    async def call(self, method: str, arguments):
        call_id = next(self.ids)
        future = asyncio.get_running_loop().create_future()
        self.waiting[call_id] = future
        await self.sock.asend(frame(REQUEST, call_id, request(method, arguments)))
        return parse_reply(await future)

    async def answer(self, call_id: int, body: bytes) -> None:
        reply = await self.handle(body)
        await self.sock.asend(frame(REPLY, call_id, reply))

    async def handle(self, body: bytes) -> bytes:
        if len(body) < 1 or body[0] == 0 or len(body) < 1 + body[0]:
            return failure(4, "MalformedRequest", "cannot read the method name")
        method = body[1 : 1 + body[0]].decode()
        payload = body[1 + body[0] :]
        try:
            arguments = json.loads(payload) if payload else None
        except ValueError as error:
            return failure(3, type(error).__name__, str(error))
        if method in ("add", "join"):
            if not isinstance(arguments, dict) or not isinstance(arguments.get("a"), int):
                return failure(3, "TypeError", "expected {\"a\": int, \"b\": int}")
            if method == "join":
                self.joins += 1
                if self.joins >= self.count:
                    self.everyone.set()
                await self.everyone.wait()
            return b"\x00" + json.dumps(arguments["a"] + arguments["b"]).encode()
        if method == "twice":
            status, value, _ = await self.call("double", arguments)
            if status != 0:
                return failure(1, "RuntimeError", f"the call back failed with status {status}")
            return b"\x00" + json.dumps(value + 1).encode()
        if method == "fail":
            return failure(1, "ValueError", "python says no")
        return failure(2, "KeyError", f"no method {method!r}")

    async def read(self) -> None:
        while True:
            try:
                message = await self.sock.arecv()
            except pynng.exceptions.Closed:
                return
            kind, call_id = struct.unpack(">BI", message[:5])
            if kind == REQUEST:
                asyncio.create_task(self.answer(call_id, message[5:]))
            elif kind == REPLY and call_id in self.waiting:
                self.waiting.pop(call_id).set_result(message[5:])

    async def calls(self) -> None:
        async def join(i: int):
            status, value, _ = await self.call("join", {"a": i, "b": i})
            print(f"RESULT {i} {json.dumps(value) if status == 0 else 'status' + str(status)}", flush=True)

        await asyncio.gather(*(join(i) for i in range(self.count)))
        for name, method in [("fail", "fail"), ("nope", "nope")]:
            status, type_name, message = await self.call(method, {"reason": "from python"})
            print(f"ERROR {name} {status} {type_name} {message}", flush=True)
        print("DONE", flush=True)


async def main_async(sock, count: int) -> None:
    peer = Peer(sock, count)
    reader = asyncio.create_task(peer.read())
    await peer.calls()
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    reader.cancel()


def main() -> int:
    direction, url, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with pynng.Pair1(recv_timeout=60_000, send_timeout=60_000) as sock:
        if direction == "listen":
            listener = sock.listen(url)
            if url.startswith("tcp") and url.endswith(":0"):
                # pynng reports the port in network byte order.
                print(f"PORT {socket.ntohs(listener.local_address.port)}", flush=True)
        else:
            sock.dial(url, block=True)
        print("READY", flush=True)
        asyncio.run(main_async(sock, count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
