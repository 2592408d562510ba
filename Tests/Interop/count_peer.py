"""A pynng Pull0 that counts: `count_peer.py URL COUNT` dials URL, prints READY, receives COUNT
messages and prints `GOT N` with the number that arrived in order (each body starts with its
index, zero-padded to 8 digits), or `MISSING AFTER N` if the stream ended early (the socket's
receive timeout, PEER_TIMEOUT_MS, 60 s by default). Quieter than peer.py for large counts."""

import os
import sys

import pynng


def main() -> int:
    url, count = sys.argv[1], int(sys.argv[2])
    timeout = int(os.environ.get("PEER_TIMEOUT_MS", "60000"))
    with pynng.Pull0(recv_timeout=timeout) as sock:
        sock.dial(url, block=True)
        print("READY", flush=True)
        got = 0
        try:
            while got < count:
                body = sock.recv()
                if body[:8] != f"{got:08d}".encode():
                    print(f"OUT OF ORDER AT {got}: {body[:8]!r}", flush=True)
                    return 1
                got += 1
        except pynng.Timeout:
            print(f"MISSING AFTER {got}", flush=True)
            return 1
        print(f"GOT {got}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
