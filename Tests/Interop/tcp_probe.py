#!/usr/bin/env python3
"""Plain TCP ends for the `starling proxy` tests.

    tcp_probe.py echo-server         listens on 127.0.0.1, port 0; prints `PORT n`, then echoes
                                     every connection's bytes back until it ends
    tcp_probe.py client PORT TEXT    connects to 127.0.0.1:PORT, prints `CONNECTED`, sends TEXT,
                                     prints `ECHO <text>` when it comes back, then waits for the
                                     connection to end and prints `END RESET` (the peer reset it)
                                     or `END EOF` (an orderly close)
    tcp_probe.py send-and-close PORT TEXT
                                     connects, sends TEXT, closes at once and prints `SENT`

Both exit when stdin reaches end of file (the server) or the connection ends (the client).
"""
import socket
import sys
import threading


def echo_server() -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print(f"PORT {listener.getsockname()[1]}", flush=True)

    def echo(connection: socket.socket) -> None:
        with connection:
            try:
                while data := connection.recv(65536):
                    connection.sendall(data)
            except OSError:
                pass

    def accept() -> None:
        while True:
            connection, _ = listener.accept()
            threading.Thread(target=echo, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    sys.stdin.read()


def client(port: int, text: str) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        print("CONNECTED", flush=True)
        try:
            connection.sendall(text.encode())
            received = b""
            while len(received) < len(text.encode()):
                data = connection.recv(65536)
                if not data:
                    print("END EOF", flush=True)
                    return
                received += data
            print(f"ECHO {received.decode()}", flush=True)
            connection.settimeout(None)
            while connection.recv(65536):
                pass
            print("END EOF", flush=True)
        except (ConnectionResetError, BrokenPipeError):
            print("END RESET", flush=True)


def send_and_close(port: int, text: str) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(text.encode())
    print("SENT", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "echo-server":
        echo_server()
    elif sys.argv[1] == "send-and-close":
        send_and_close(int(sys.argv[2]), sys.argv[3])
    else:
        client(int(sys.argv[2]), sys.argv[3])
