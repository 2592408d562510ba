#!/usr/bin/env python3
"""Chaos for Starling's sockets: peers killed with SIGKILL and restarted in a loop while messages
flow, for every pattern, checking what the Scalability Protocols promise. Run it through
scripts/chaos.sh, which builds `starling` in release mode and runs this on .venv's pynng.

    chaos.py run [--rounds N]      every pattern; in each, a peer is killed N times (default 3)
    chaos.py loss [--rounds N]     messages lost when a pull is killed mid-stream (~17-byte
                                   messages over tcp): a Starling push beside a pynng push
    chaos.py peer ROLE URL [ARG]   a pynng peer, for the two above

The peers are real processes: `starling cat`, `starling run` (a pipeline whose generator numbers
its messages) and pynng. Numbered messages are "xxxxxxxxxx-N"; a receiving `starling cat`
prints one per line (--format quoted), unbuffered, so what a killed receiver took is on file.
Every wait has a deadline. A check that fails prints FAIL; the script then exits with status 1.
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STARLING = os.environ.get("STARLING", os.path.join(ROOT, ".build-release/release/starling"))
WORK = tempfile.mkdtemp(prefix="starling-chaos-")
PREFIX = b"xxxxxxxxxx-"
NUMBERED = re.compile(rb'^"xxxxxxxxxx-(\d+)"$')
FAILURES = []
# How long messages flow between a peer's restart being confirmed and its next kill.
LOAD = 1.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tcp():
    return f"tcp://127.0.0.1:{free_port()}"


class Process:
    """A peer process; its stdout goes to a file, unbuffered, so a kill loses nothing printed.

    With `throttle` (bytes a second), the stdout goes through a pipe that is read at that rate:
    the process becomes a slow consumer (its writes block), and after it ends what it wrote is
    copied in full.
    """

    count = 0

    def __init__(self, args, name, throttle=None):
        Process.count += 1
        self.out = os.path.join(WORK, f"{Process.count:03d}-{name}.out")
        self.err = os.path.join(WORK, f"{Process.count:03d}-{name}.err")
        self.relay = None
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            stdout = subprocess.PIPE if throttle else out
            self.popen = subprocess.Popen(args, stdout=stdout, stderr=err, stdin=subprocess.DEVNULL)
        if throttle:
            self.relay = threading.Thread(target=self.copy, args=(throttle,))
            self.relay.start()

    def copy(self, rate):
        with open(self.out, "ab", buffering=0) as out:
            while True:
                chunk = self.popen.stdout.read1(4096)
                if not chunk:
                    return
                out.write(chunk)
                if self.popen.poll() is None:
                    time.sleep(len(chunk) / rate)

    def kill(self):
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait()
        if self.relay:
            self.relay.join()

    def stop(self):
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.relay:
            self.relay.join()

    def lines(self):
        """The complete lines printed so far."""
        with open(self.out, "rb") as f:
            data = f.read()
        return data.split(b"\n")[:-1]

    def numbers(self):
        """The numbers of the numbered messages printed so far."""
        return [int(m.group(1)) for m in map(NUMBERED.match, self.lines()) if m]


def cat(*args, name="cat", throttle=None):
    return Process([STARLING, "cat", *args], name, throttle)


def numbered_source(socket_module, url, name):
    """`starling run` with a generator that numbers its messages as fast as the socket takes them."""
    config = os.path.join(WORK, f"{name}.yaml")
    with open(config, "w") as f:
        f.write(
            f"""modules:
  numbers:
    module: input.generator
    arguments:
      interval: 0
      payload: "xxxxxxxxxx-{{{{n}}}}"
  out:
    module: {socket_module}
    arguments:
      listen: {url}
routes:
  - numbers.outbox -> out.inbox
"""
        )
    return Process([STARLING, "run", config], name)


def peer(role, url, *args, name=None):
    return Process([sys.executable, os.path.abspath(__file__), "peer", role, url, *map(str, args)], name or role)


def wait_until(condition, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    fail(f"timed out after {timeout:.0f} s waiting until {what}")
    return False


def fail(message):
    FAILURES.append(message)
    print(f"  FAIL: {message}", flush=True)


def check(condition, message):
    if not condition:
        fail(message)


def increasing(numbers):
    return all(a < b for a, b in zip(numbers, numbers[1:]))


def report(pattern, text):
    print(f"{pattern:28} {text}", flush=True)


# MARK: the patterns


def req_rep_killed(rounds):
    """Starling rep killed and restarted; pynng reqs keep asking: every request is answered."""
    import pynng

    url = tcp()
    rep = cat("--rep0", "--listen", url, "--data", "ok", name="rep")
    time.sleep(0.3)
    stop = threading.Event()
    sent, answered, errors = [0], [0], []
    lock = threading.Lock()

    def client():
        with pynng.Req0(resend_time=500, recv_timeout=30000, send_timeout=30000) as req:
            req.dial(url, block=False)
            while not stop.is_set():
                with lock:
                    sent[0] += 1
                try:
                    req.send(b"q")
                    if req.recv() == b"ok":
                        with lock:
                            answered[0] += 1
                except pynng.NNGException as error:
                    errors.append(str(error))
                    return

    clients = [threading.Thread(target=client) for _ in range(4)]
    for thread in clients:
        thread.start()
    for _ in range(rounds):
        before = answered[0]
        wait_until(lambda: answered[0] > before + 200, "the reqs were answered")
        time.sleep(LOAD)
        rep.kill()
        rep = cat("--rep0", "--listen", url, "--data", "ok", name="rep")
    before = answered[0]
    wait_until(lambda: answered[0] > before + 200, "the reqs were answered after the last restart")
    stop.set()
    for thread in clients:
        thread.join(40)
    rep.stop()
    check(not errors, f"req errors: {errors[:3]}")
    check(sent[0] == answered[0], f"{sent[0] - answered[0]} of {sent[0]} requests unanswered")
    report("req/rep, rep killed", f"{rounds} kills; {answered[0]} of {sent[0]} requests answered (4 pynng reqs)")


def req_survives(rounds):
    """pynng rep killed and restarted; a Starling req keeps asking and is answered after each."""
    url = tcp()
    rep = peer("rep", url)
    time.sleep(0.3)
    req = cat("--req0", "--dial", url, "--async", "--data", "q", "--count", "1000000000", "--format", "quoted", name="req")
    resumed = 0
    for _ in range(rounds):
        before = len(req.lines())
        if wait_until(lambda: len(req.lines()) > before + 200, "the Starling req got replies"):
            resumed += 1
        time.sleep(LOAD)
        rep.kill()
        rep = peer("rep", url)
    before = len(req.lines())
    wait_until(lambda: len(req.lines()) > before + 200, "the Starling req got replies after the last restart")
    replies = len(req.lines())
    req.stop()
    rep.stop()
    check(all(line == b'"ok"' for line in req.lines()), "a reply that is not the rep's")
    report("req/rep, req survives", f"{rounds} kills; {replies} replies; answered again after {resumed} of {rounds} restarts")


def numbered_receivers(module, receiver, enough, rounds):
    """A numbered `starling run` source (`module` listening) and `rounds + 1` receivers
    (`starling cat RECEIVER` dialing) one after another: each is killed once it has received
    `enough` and messages have flowed a while more; the last one is stopped. Returns what each
    received."""
    url = tcp()
    source = numbered_source(module, url, module)
    receivers = []
    for i in range(rounds + 1):
        current = cat(receiver, "--dial", url, "--async", "--format", "quoted", name=receiver.strip("-"))
        receivers.append(current)
        wait_until(lambda: len(current.numbers()) > enough, f"{receiver} {i} received")
        time.sleep(LOAD)
        current.kill() if i < rounds else current.stop()
    source.stop()
    return [r.numbers() for r in receivers]


def push_survives(rounds):
    """Starling push (numbered) at full rate; its pull killed and restarted: only in-flight
    messages are lost, what arrives is in order without duplicates."""
    runs = numbered_receivers("output.push", "--pull0", 20000, rounds)
    every = [n for run in runs for n in run]
    check(increasing(every), "messages arrived out of order or twice")
    check(all(run and run[-1] - run[0] + 1 == len(run) for run in runs), "a gap inside one pull's run")
    check(runs[0][:1] == [1], f"the first pull began at {runs[0][:1]}, not 1")
    lost = [b[0] - a[-1] - 1 for a, b in zip(runs, runs[1:]) if a and b]
    # In flight at most: the push's window (128 KiB) and as much unsent in its kernel, the pull's
    # receive buffer (Linux grows it up to tcp_rmem's maximum), and what the pull had read: its
    # receive queue (128 messages) and one read (4 x 64 KiB). Messages here are at most 25 bytes
    # with their frame prefix, at least 12.
    with open("/proc/sys/net/ipv4/tcp_rmem") as f:
        receive_buffer = int(f.read().split()[2])
    bound = (2 * 128 * 1024 + receive_buffer + 4 * 65536) // 12 + 128
    check(max(lost, default=0) <= bound, f"lost {max(lost)} at one kill, more than could be in flight ({bound})")
    report(
        "push/pull, pull killed",
        f"{rounds} kills; {len(every)} received in order, no duplicates; lost at each kill: "
        + ", ".join(map(str, lost))
        + f" (in flight at most {bound})",
    )


def pull_survives(rounds):
    """pynng push killed and restarted; the Starling pull gets each push's messages in order,
    without gaps or duplicates (a killed push loses only its own tail)."""
    url = tcp()
    pull = cat("--pull0", "--listen", url, "--format", "quoted", name="pull")
    time.sleep(0.3)
    base = 10**9
    for i in range(1, rounds + 2):
        push = peer("push", url, i * base, name="push")
        wait_until(lambda: sum(1 for n in pull.numbers() if n >= i * base) > 20000, "the pull received")
        time.sleep(LOAD)
        push.kill() if i <= rounds else push.stop()
    pull.stop()
    numbers = pull.numbers()
    runs = [[n for n in numbers if i * base <= n < (i + 1) * base] for i in range(1, rounds + 2)]
    check(increasing(numbers), "messages arrived out of order or twice")
    check(all(run[0] == (i + 1) * base and run[-1] - run[0] + 1 == len(run) for i, run in enumerate(runs)), "a gap")
    report("push/pull, push killed", f"{rounds} kills; {len(numbers)} received, each push's in order without gaps")


def pub_survives(rounds):
    """Starling pub (numbered) at full rate; subscribers killed and restarted each get messages
    again, in order, without duplicates."""
    runs = numbered_receivers("output.pub", "--sub0", 5000, rounds)
    check(all(increasing(run) for run in runs), "a subscriber got messages out of order or twice")
    report("pub/sub, sub killed", f"{rounds} kills; every restarted subscriber received: " + ", ".join(str(len(r)) for r in runs))


def sub_survives(rounds):
    """pynng pub killed and restarted; the Starling sub redials and receives again."""
    url = tcp()
    base = 10**9
    pub = peer("pub", url, base, name="pub")
    sub = cat("--sub0", "--dial", url, "--async", "--format", "quoted", name="sub")
    resumed = 0
    for i in range(1, rounds + 2):
        if wait_until(lambda: any(n >= i * base for n in sub.numbers()[-100:]), "the sub received from the restarted pub"):
            resumed += 1
        time.sleep(LOAD)
        pub.kill()
        if i <= rounds:
            pub = peer("pub", url, (i + 1) * base, name="pub")
    sub.stop()
    numbers = sub.numbers()
    check(increasing(numbers), "the sub got messages out of order or twice")
    report("pub/sub, pub killed", f"{rounds} kills; {len(numbers)} received, in order; received again after {resumed - 1} of {rounds} restarts")


def respondents_killed(rounds):
    """Starling respondent killed and restarted beside a steady one; a pynng surveyor hears the
    new one after each restart, and the steady one throughout."""
    import pynng

    url = tcp()
    stop = threading.Event()
    surveys = []
    lock = threading.Lock()

    def surveyor(sock):
        while not stop.is_set():
            sock.send(b"who")
            answers = set()
            while True:
                try:
                    answers.add(sock.recv())
                except pynng.Timeout:
                    break
            with lock:
                surveys.append(answers)

    with pynng.Surveyor0(survey_time=100, recv_timeout=1000) as sock:
        sock.listen(url)
        steady = cat("--respondent0", "--dial", url, "--data", "steady", name="respondent")
        thread = threading.Thread(target=surveyor, args=(sock,))
        thread.start()
        resumed = 0
        for i in range(rounds + 1):
            respondent = cat("--respondent0", "--dial", url, "--data", f"r{i}", name="respondent")
            answer = f"r{i}".encode()
            if wait_until(lambda: any(answer in s for s in surveys[-3:]), f"respondent r{i} answered"):
                resumed += 1
            time.sleep(LOAD)
            respondent.kill()
        stop.set()
        thread.join(5)
        steady.stop()
    heard = sum(1 for s in surveys if b"steady" in s)
    check(heard >= len(surveys) - 2, f"the steady respondent answered {heard} of {len(surveys)} surveys")
    report("survey, respondent killed", f"{rounds} kills; {len(surveys)} surveys; each restarted respondent answered ({resumed} of {rounds + 1}); steady one in {heard}")


def surveyor_survives(rounds):
    """pynng respondent killed and restarted; the Starling surveyor hears the new one each time."""
    url = tcp()
    surveyor = cat("--surveyor0", "--listen", url, "--data", "who", "--interval", "0.2", "--format", "quoted", name="surveyor")
    time.sleep(0.3)
    resumed = 0
    for i in range(rounds + 1):
        respondent = peer("respondent", url, f"r{i}", name="respondent")
        if wait_until(lambda: f'"r{i}"'.encode() in surveyor.lines(), f"the surveyor heard r{i}"):
            resumed += 1
        time.sleep(LOAD)
        respondent.kill()
    surveyor.stop()
    report("survey, surveyor survives", f"{rounds} kills; {len(surveyor.lines())} responses; heard each restarted respondent ({resumed} of {rounds + 1})")


def heard_both_ways(flag, tag, start_other, rounds):
    """A steady Starling socket (`starling cat FLAG`) listening and saying "steady"; another peer
    (`start_other(url, name)`, saying its name, TAG0, TAG1 ...) killed and restarted `rounds`
    times. Returns after how many starts the two heard each other, and what the steady one heard."""
    url = tcp()
    steady = cat(flag, "--listen", url, "--data", "steady", "--interval", "0.02", "--format", "quoted", name=tag)
    time.sleep(0.3)
    resumed = 0
    for i in range(rounds + 1):
        name = f"{tag}{i}"
        other = start_other(url, name)
        resumed += wait_until(lambda: f'"{name}"'.encode() in steady.lines(), f"the steady one heard {name}") and wait_until(
            lambda: any(b"steady" in line for line in other.lines()), f"{name} heard the steady one"
        )
        time.sleep(LOAD)
        other.kill()
    steady.stop()
    return resumed, len(steady.lines())


def bus_killed(rounds):
    """A Starling bus node killed and restarted; it and the steady node hear each other again."""

    def node(url, name):
        return cat("--bus0", "--dial", url, "--data", name, "--interval", "0.02", "--format", "quoted", name="bus")

    resumed, heard = heard_both_ways("--bus0", "n", node, rounds)
    report("bus, node killed", f"{rounds} kills; both ways again after each restart ({resumed} of {rounds + 1}); the steady node heard {heard}")


def pair_killed(rounds):
    """pynng pair1 peer killed and restarted; the Starling pair1 and it talk again each time."""
    resumed, heard = heard_both_ways("--pair1", "p", lambda url, name: peer("pair", url, name), rounds)
    report("pair, peer killed", f"{rounds} kills; both ways again after each restart ({resumed} of {rounds + 1}); the Starling pair heard {heard}")


PATTERNS = [
    req_rep_killed,
    req_survives,
    push_survives,
    pull_survives,
    pub_survives,
    sub_survives,
    respondents_killed,
    surveyor_survives,
    bus_killed,
    pair_killed,
]


def queued_bytes(port):
    """The bytes the kernel holds on the tcp connection to `port`, as (sender, receiver): the
    push's send queue (Send-Q of the side whose local port is `port`) and the pull's receive
    queue (Recv-Q of the other side), from ss."""
    out = subprocess.run(["ss", "-tnH", "state", "established"], capture_output=True, text=True).stdout
    sender = receiver = 0
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        if fields[2].endswith(f":{port}"):
            sender += int(fields[1])
        elif fields[3].endswith(f":{port}"):
            receiver += int(fields[0])
    return sender, receiver


def loss(rounds):
    """A pull killed with -9 mid-stream: how many ~17-byte messages the push had taken that no
    pull received (the gap between the killed pull's last message and the next pull's first),
    for a Starling push and a pynng push, with the same Starling pull. The pull consumes slower
    than either push sends (about 12,000 messages a second), so every queue between them is full
    when it dies."""
    for name in ["starling", "pynng"]:
        lost, kernel = [], []
        for _ in range(rounds):
            port = free_port()
            url = f"tcp://127.0.0.1:{port}"
            if name == "starling":
                push = numbered_source("output.push", url, "push")
            else:
                push = peer("push", url, 100000, "listen", name="push")
            first = cat("--pull0", "--dial", url, "--async", "--format", "quoted", name="pull", throttle=250_000)
            wait_until(lambda: len(first.lines()) > 30000, "the pull received", timeout=60)
            kernel.append(queued_bytes(port))
            first.kill()
            second = cat("--pull0", "--dial", url, "--async", "--format", "quoted", name="pull")
            wait_until(lambda: len(second.numbers()) > 1000, "the next pull received", timeout=60)
            push.stop()
            second.stop()
            a, b = first.numbers(), second.numbers()
            check(increasing(a + b), f"{name}: out of order or duplicated")
            lost.append(b[0] - a[-1] - 1)
        report(
            f"pull killed, {name} push",
            f"lost {', '.join(map(str, lost))} messages (median {sorted(lost)[len(lost) // 2]}); kernel queues "
            "before the kill (push's send, pull's receive): "
            + ", ".join(f"{s / 1e6:.2f} + {r / 1e6:.2f} MB" for s, r in kernel),
        )


# MARK: pynng peers


def run_peer(role, url, arg, mode=None):
    import pynng

    if role == "rep":
        with pynng.Rep0(listen=url) as sock:
            while True:
                sock.recv()
                sock.send(b"ok")
    elif role == "push":
        n = int(arg)
        with pynng.Push0() as sock:
            sock.listen(url) if mode == "listen" else sock.dial(url, block=False)
            while True:
                sock.send(PREFIX + str(n).encode())
                n += 1
    elif role == "pub":
        n = int(arg)
        with pynng.Pub0(listen=url) as sock:
            while True:
                sock.send(PREFIX + str(n).encode())
                n += 1
                if n % 64 == 0:
                    time.sleep(0.001)
    elif role == "respondent":
        with pynng.Respondent0(dial=url) as sock:
            while True:
                sock.recv()
                sock.send(arg.encode())
    elif role == "pair":
        with pynng.Pair1(dial=url, recv_timeout=20) as sock:
            while True:
                sock.send(arg.encode())
                try:
                    while True:
                        print(sock.recv().decode(errors="replace"), flush=True)
                except pynng.Timeout:
                    pass


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("--rounds", type=int, default=3)
    run.add_argument("--only", help="run only the patterns whose name contains this")
    measure = sub.add_parser("loss")
    measure.add_argument("--rounds", type=int, default=3)
    p = sub.add_parser("peer")
    p.add_argument("role")
    p.add_argument("url")
    p.add_argument("arg", nargs="?")
    p.add_argument("mode", nargs="?")
    args = parser.parse_args()
    if args.command == "peer":
        run_peer(args.role, args.url, args.arg, args.mode)
        return 0
    if not os.access(STARLING, os.X_OK):
        print(f"chaos: no starling binary at {STARLING}", file=sys.stderr)
        return 2
    print(f"chaos: peers' output in {WORK}", flush=True)
    if args.command == "loss":
        loss(args.rounds)
    else:
        for pattern in PATTERNS:
            if not args.only or args.only in pattern.__name__:
                pattern(args.rounds)
    if FAILURES:
        print(f"chaos: {len(FAILURES)} checks failed", flush=True)
        return 1
    print("chaos: every check held", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
