#!/usr/bin/env python3
"""Sends requests to a Starling pipeline over SP with pynng and prints each reply.

    pynng_client.py URL MESSAGE...

For Examples/Pipelines/pynng-rep.yaml:
    .venv/bin/python3 Examples/Pipelines/pynng_client.py tcp://127.0.0.1:5555 hello world
prints `starling heard: hello` and `starling heard: world`, one line each. The client
retries until the pipeline is up (within 10 s) and gives up on a reply after 10 s.
"""
import sys

import pynng


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    url, messages = sys.argv[1], sys.argv[2:]
    with pynng.Req0(recv_timeout=10000, send_timeout=10000) as sock:
        sock.dial(url, block=False)  # connects in the background, retrying until it is up
        for message in messages:
            sock.send(message.encode())
            print(sock.recv().decode(errors="replace"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
