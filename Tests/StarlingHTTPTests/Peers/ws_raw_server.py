#!/usr/bin/env python3
"""A WebSocket server made of raw bytes (standard library only), for what no library's server
sends: the test of StarlingHTTP's client. Prints one line per event on stdout.

  ws_raw_server.py
      Listens on 127.0.0.1:0, prints "PORT <port>", accepts one connection and upgrades it,
      then sends a ping carrying "are you there" and prints "PONG <payload>" for the pong
      that answers it, sends a *masked* text frame (which a server may not), and prints
      "CLOSE <code>" for the close frame the client answers with.
"""
import base64
import hashlib
import os
import socket
import struct

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_exactly(connection, count):
    data = b""
    while len(data) < count:
        more = connection.recv(count - len(data))
        if not more:
            raise EOFError("the client closed the connection")
        data += more
    return data


def read_frame(connection):
    """The next frame from the client (whose frames are masked): opcode and payload."""
    first, second = read_exactly(connection, 2)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", read_exactly(connection, 2))
    elif length == 127:
        (length,) = struct.unpack("!Q", read_exactly(connection, 8))
    mask = read_exactly(connection, 4) if second & 0x80 else b"\0\0\0\0"
    payload = read_exactly(connection, length)
    return first & 0x0F, bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))


def frame(opcode, payload, mask=None):
    """A final frame of at most 125 bytes, masked with `mask` when given."""
    header = bytes([0x80 | opcode, (0x80 if mask else 0) | len(payload)])
    if not mask:
        return header + payload
    return header + mask + bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))


def main():
    listener = socket.create_server(("127.0.0.1", 0))
    print("PORT", listener.getsockname()[1], flush=True)
    connection, _ = listener.accept()
    head = b""
    while b"\r\n\r\n" not in head:
        head += read_exactly(connection, 1)
    key = next(
        line.split(b":", 1)[1].strip()
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"sec-websocket-key:")
    )
    accept = base64.b64encode(hashlib.sha1(key + GUID.encode()).digest())
    connection.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n"
        + b"sec-websocket-accept: " + accept + b"\r\n\r\n"
    )

    connection.sendall(frame(0x9, b"are you there"))
    opcode, payload = read_frame(connection)
    if opcode == 0xA:
        print("PONG", payload.decode(), flush=True)

    connection.sendall(frame(0x1, b"masked", mask=os.urandom(4)))
    while True:
        opcode, payload = read_frame(connection)
        if opcode == 0x8:
            print("CLOSE", struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else "-", flush=True)
            break
    connection.close()


if __name__ == "__main__":
    main()
