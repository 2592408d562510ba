#!/usr/bin/env python3
"""An nng Req0 peer (pynng): dials URL, sends TEXT, prints "REPLY <text>"."""
import sys

import pynng

with pynng.Req0(dial=sys.argv[1], recv_timeout=30000, send_timeout=30000) as req:
    req.send(sys.argv[2].encode())
    print("REPLY", req.recv().decode(), flush=True)
