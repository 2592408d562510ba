#!/usr/bin/env python3
"""Turns the JMH export of the Channels or Sockets benchmarks into markdown tables, per message.

Usage: bench_table.py RESULTS.jmh.json [--messages N] [--suite channels|sockets|pipeline|system|go]
                      [--go GO.jsonl ...]

The benchmarks in Benchmarks/Benchmarks/Channels/Channels.swift are named
"<scenario>: <implementation>", and every measured iteration moves N messages (N = the
`.kilo` scaling factor, 1,000). The JMH export holds raw per-iteration samples: wall-clock
time in microseconds and counts (mallocs, instructions) as plain numbers. This script divides
them by N, so every figure it prints is per message.

With --suite system it reads Benchmarks/Benchmarks/System/ ("LineEcho pipelined: ByteStream" …)
and prints StarlingSystem's ByteStream beside the same line echo on SwiftNIO, per line.

With --suite sockets it reads the benchmarks in Benchmarks/Benchmarks/Sockets/, named
"<pattern> <transport> <size>: <implementation>" (for example "PushPull tcp 64B: nng"), and
prints Starling beside nng and libzmq for every pattern, transport and size, then whether the
project's two socket bars are met.

With --suite go it reads the `Channel` benchmarks beside what Benchmarks/Go/chanbench.go
printed for the same shapes (one JSON object per line; with several --go files, the lowest p50
of each shape counts) and prints Starling's time over Go's, against the bars of issue 13.

Standard library only.
"""

import argparse
import json
import sys

STARLING = "Channel"

# The comparisons to print, in order: (scenario, alternative). The alternative None marks a
# scenario with no competitor, reported on its own.
COMPARISONS = [
    ("Buffered 1->1", "AsyncStream"),
    ("Buffered 1->1", "AsyncChannel"),
    ("Buffered 1->1", "MPSCAsyncChannel"),
    ("Rendezvous 1->1", "AsyncChannel"),
    ("Buffered 4->4", "AsyncChannel"),
    ("Ping-pong", "AsyncChannel"),
    ("Select over 4", None),
]

# What each scenario and alternative is, for the table's labels.
SCENARIO_LABELS = {
    "Buffered 1->1": "1→1 buffered (capacity 128)",
    "Rendezvous 1->1": "1→1 rendezvous",
    "Buffered 4->4": "4→4 buffered (capacity 128)",
    "Ping-pong": "ping-pong, 2 rendezvous channels",
    "Select over 4": "select over 4 buffered channels, 4 producers",
}
ALTERNATIVE_LABELS = {
    "AsyncStream": "AsyncStream (unbounded)",
    "AsyncChannel": "AsyncChannel (rendezvous)",
    "MPSCAsyncChannel": "MPSCAsyncChannel (watermark 64…128)",
}

# The project's bars: (scenario, alternative, minimum speed-up of Channel over it).
SPEED_BARS = [
    ("Buffered 1->1", "AsyncStream", 5.0),
    ("Buffered 1->1", "AsyncChannel", 10.0),
    ("Rendezvous 1->1", "AsyncChannel", 1.0),
]
# "No allocation per message once warm": the only allocations left are the per-iteration
# set-up (channel, task group, tasks), a few dozen per N messages.
ALLOCATION_BAR = 0.1


def percentile(metric, key):
    return float(metric["scorePercentiles"][key])


def load(path, messages):
    """Per-message statistics by (scenario, implementation)."""
    with open(path, encoding="utf-8") as file:
        elements = json.load(file)
    results = {}
    for element in elements:
        # "package.benchmark.<target>.<name with spaces as underscores>"
        name = element["benchmark"].split(".", 3)[3].replace("_", " ")
        scenario, _, implementation = name.partition(": ")
        secondary = element["secondaryMetrics"]
        time = secondary["Time (wall clock)"]  # microseconds per iteration
        stats = {
            "samples": element["measurementIterations"],
            "min": percentile(time, "0.0") * 1_000 / messages,
            "p50": percentile(time, "50.0") * 1_000 / messages,
            "p90": percentile(time, "90.0") * 1_000 / messages,
            "mallocs": percentile(secondary["Malloc (total)"], "50.0") / messages
            if "Malloc (total)" in secondary
            else None,
            "instructions": percentile(secondary["Instructions"], "50.0") / messages
            if "Instructions" in secondary
            else None,
        }
        results[(scenario, implementation)] = stats
    return results


def nanoseconds(value):
    if value is None:
        return "–"
    if value >= 10_000:
        return f"{value / 1_000:,.1f} µs"
    if value >= 100:
        return f"{value:,.0f} ns"
    return f"{value:,.1f} ns"


def count(value):
    if value is None:
        return "–"
    if value >= 10:
        return f"{value:,.1f}"
    return f"{value:.3f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", help="the .jmh.json file that `swift package benchmark --format jmh` wrote")
    parser.add_argument(
        "--messages", type=int, default=1_000, help="messages per measured iteration (the scaling factor)"
    )
    parser.add_argument(
        "--suite",
        choices=("channels", "sockets", "pipeline", "system", "go"),
        default="channels",
        help="which benchmark target ran",
    )
    parser.add_argument(
        "--go", action="append", default=[], help="chanbench.go's output (--suite go); may be given more than once"
    )
    arguments = parser.parse_args()
    results = load(arguments.results, arguments.messages)
    if arguments.suite == "go":
        return print_go(results, arguments.go)
    if arguments.suite == "sockets":
        return print_sockets(results, arguments.messages)
    if arguments.suite == "pipeline":
        return print_pipeline(results)
    if arguments.suite == "system":
        return print_system(results)
    has_instructions = any(stats["instructions"] is not None for stats in results.values())

    header = [
        "Benchmark",
        "Starling `Channel` p50/msg",
        "Alternative",
        "Alternative p50/msg",
        "Ratio (alt ÷ Channel)",
        "Channel allocs/msg",
        "Alternative allocs/msg",
    ]
    if has_instructions:
        header += ["Channel instr/msg", "Alternative instr/msg"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if index in (0, 2) else "---:" for index in range(len(header))) + "|")
    for scenario, alternative in COMPARISONS:
        ours = results.get((scenario, STARLING))
        theirs = results.get((scenario, alternative)) if alternative else None
        if ours is None:
            continue  # filtered out of this run
        if alternative and theirs is None:
            continue
        ratio = f"{theirs['p50'] / ours['p50']:.1f}×" if theirs else "–"
        row = [
            SCENARIO_LABELS.get(scenario, scenario),
            nanoseconds(ours["p50"]),
            ALTERNATIVE_LABELS.get(alternative, alternative) if alternative else "(no competitor)",
            nanoseconds(theirs["p50"]) if theirs else "–",
            ratio,
            count(ours["mallocs"]),
            count(theirs["mallocs"]) if theirs else "–",
        ]
        if has_instructions:
            row += [count(ours["instructions"]), count(theirs["instructions"]) if theirs else "–"]
        print("| " + " | ".join(row) + " |")

    print()
    print(
        f"Per message: wall-clock p50 of {arguments.messages:,}-message iterations divided by "
        f"{arguments.messages:,}; allocations are malloc calls (p50) divided the same way, so the "
        "per-iteration set-up (channels, task group, tasks) shows as a small fraction. "
        "Ratio > 1 means Channel is faster."
    )

    print()
    print("| Benchmark | min/msg | p50/msg | p90/msg | allocs/msg | samples |")
    print("|---|---:|---:|---:|---:|---:|")
    for (scenario, implementation), stats in sorted(results.items()):
        print(
            f"| {scenario}: {implementation} | {nanoseconds(stats['min'])} | {nanoseconds(stats['p50'])} | "
            f"{nanoseconds(stats['p90'])} | {count(stats['mallocs'])} | {stats['samples']} |"
        )

    print()
    missed = []
    for scenario, alternative, bar in SPEED_BARS:
        ours = results.get((scenario, STARLING))
        theirs = results.get((scenario, alternative))
        if ours is None or theirs is None:
            continue
        ratio = theirs["p50"] / ours["p50"]
        verdict = "met" if ratio >= bar else "MISSED"
        if ratio < bar:
            missed.append(scenario)
        print(f"- {scenario}, Channel vs {alternative}: {ratio:.1f}× (bar ≥ {bar:g}×): {verdict}")
    ours = results.get(("Buffered 1->1", STARLING))
    if ours is not None and ours["mallocs"] is not None:
        verdict = "met" if ours["mallocs"] < ALLOCATION_BAR else "MISSED"
        if ours["mallocs"] >= ALLOCATION_BAR:
            missed.append("allocations")
        print(
            f"- Buffered 1->1 Channel allocations: {ours['mallocs']:.3f}/msg "
            f"({ours['mallocs'] * arguments.messages:.0f} per {arguments.messages:,}-message iteration, "
            f"bar < {ALLOCATION_BAR}/msg): {verdict}"
        )
    return 0


# MARK: Go

# The shapes of issue 13, in the order of its table, with the bar on Starling's time over Go's.
GO_SHAPES = [
    ("Buffered 1->1", "1 producer → 1 consumer, capacity 128", 2.0),
    ("Rendezvous 1->1", "1 → 1 rendezvous (capacity 0)", 2.0),
    ("Ping-pong", "ping-pong over two rendezvous channels, per round trip", 2.0),
    ("Buffered 4->4", "4 producers → 4 consumers, capacity 128", 2.0),
    ("Select over 4", "one consumer `select`ing over 4 channels of capacity 128 (4 producers)", 3.0),
]


def load_go(paths):
    """Go's per-message p50 by shape: the lowest over the runs given."""
    best = {}
    for path in paths:
        with open(path, encoding="utf-8") as file:
            for line in file:
                if not line.strip():
                    continue
                shape = json.loads(line)
                name = shape["name"]
                if name not in best or shape["p50_ns"] < best[name]["p50_ns"]:
                    best[name] = shape
    return best


def print_go(results, go_paths):
    """Starling's `Channel` beside Go's channels, shape by shape, with the ratios and the bars."""
    go = load_go(go_paths)
    print(
        "| shape | Go p50 | Starling p50 | Starling/Go | bar | verdict | Starling allocs/msg | Go allocs/msg |"
    )
    print("|---|---:|---:|---:|---:|---|---:|---:|")
    missed = []
    for scenario, label, bar in GO_SHAPES:
        ours = results.get((scenario, STARLING))
        theirs = go.get(scenario)
        if ours is None or theirs is None:
            continue
        # Ping-pong is reported per round trip: two messages.
        factor = 2 if scenario == "Ping-pong" else 1
        ratio = ours["p50"] / theirs["p50_ns"]
        verdict = "met" if ratio <= bar else "MISSED"
        if ratio > bar:
            missed.append(scenario)
        allocations = ours["mallocs"] * factor if ours["mallocs"] is not None else None
        print(
            f"| {label} | {nanoseconds(theirs['p50_ns'] * factor)} | {nanoseconds(ours['p50'] * factor)} | "
            f"{ratio:.2f} | ≤ {bar:g} | {verdict} | {count(allocations)} | {count(theirs['mallocs'] * factor)} |"
        )
    print()
    print(
        "p50 of 1,000-message iterations (each makes its channels and tasks or goroutines), per message "
        "(ping-pong: per round trip). Go 1.19 with GOMAXPROCS=2; Starling release build, tasks on the default "
        "executor. Allocations: Starling's malloc calls (ordo-one/benchmark), Go's heap allocations "
        "(runtime.MemStats), both including each iteration's set-up. Select's bar is also 0 allocations "
        "per select once warm: the set-up's few dozen per 1,000-message iteration show as a few hundredths."
    )
    if missed:
        print()
        print(f"Missed: {', '.join(missed)}")
    return 0


# MARK: Sockets

SOCKET_CONTENDERS = ("Starling", "nng", "zmq")
SOCKET_PATTERNS = {
    "PushPull": "push/pull",
    "ReqRep": "req/rep",
    "PubSub1": "pub/sub to 1",
    "PubSub4": "pub/sub to 4",
    "PubSub16": "pub/sub to 16",
    "Survey4": "survey, 4 answers",
}
# tls is tls+tcp; libzmq has neither tls nor ws, so its columns stay empty there.
SOCKET_TRANSPORTS = ("inproc", "ipc", "tcp", "tls", "ws")
SOCKET_SIZES = {"64B": "64 B", "1KiB": "1 KiB", "64KiB": "64 KiB"}

# The bars from the project's issue: push/pull 64 B over tcp at least 10x nng's throughput, and a
# req/rep round trip (64 B, tcp) no slower than nng's. The goal beyond them is libzmq's numbers.
PUSH_PULL_BAR = 10.0


def messages_per_second(stats):
    return 1e9 / stats["p50"] if stats and stats["p50"] > 0 else None


def rate(value):
    if value is None:
        return "–"
    if value >= 1e6:
        return f"{value / 1e6:,.2f} M"
    if value >= 1e3:
        return f"{value / 1e3:,.1f} k"
    return f"{value:,.0f}"


def ratio(numerator, denominator):
    if not numerator or not denominator or denominator["p50"] <= 0:
        return "–"
    return f"{numerator['p50'] / denominator['p50']:.2f}×"


def print_pipeline(results):
    """Relays (Benchmarks/Benchmarks/Pipeline): the pipeline beside the hand-written relay and nng."""
    header = [
        "Transport",
        "Starling pipeline p50/event",
        "hand-written relay p50/msg",
        "nng relay p50/msg",
        "hand-written ÷ pipeline",
        "nng ÷ pipeline",
        "pipeline allocs/event",
        "hand-written / nng allocs/msg",
        "pipeline events/s",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    for transport in ("inproc", "tcp"):
        scenario = f"Relay {transport}"
        pipeline = results.get((scenario, "Starling pipeline"))
        hand = results.get((scenario, "hand-written relay"))
        nng = results.get((scenario, "nng relay"))
        if pipeline is None:
            continue
        row = [
            transport,
            nanoseconds(pipeline["p50"]),
            nanoseconds(hand and hand["p50"]),
            nanoseconds(nng and nng["p50"]),
            ratio(hand, pipeline),
            ratio(nng, pipeline),
            count(pipeline["mallocs"]),
            f"{count(hand and hand['mallocs'])} / {count(nng and nng['mallocs'])}",
            rate(messages_per_second(pipeline)),
        ]
        print("| " + " | ".join(row) + " |")


def print_system(results):
    """Line echo (Benchmarks/Benchmarks/System): StarlingSystem's ByteStream beside SwiftNIO."""
    header = [
        "Scenario",
        "ByteStream p50/line",
        "SwiftNIO p50/line",
        "ByteStream ÷ SwiftNIO",
        "ByteStream allocs/line",
        "SwiftNIO allocs/line",
        "ByteStream lines/s",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    for scenario in ("LineEcho pipelined", "LineEcho round trip"):
        stream = results.get((scenario, "ByteStream"))
        nio = results.get((scenario, "SwiftNIO"))
        if stream is None:
            continue
        row = [
            scenario.removeprefix("LineEcho "),
            nanoseconds(stream["p50"]),
            nanoseconds(nio and nio["p50"]),
            ratio(stream, nio),
            count(stream["mallocs"]),
            count(nio and nio["mallocs"]),
            rate(messages_per_second(stream)),
        ]
        print("| " + " | ".join(row) + " |")


def print_sockets(results, messages):
    """The Starling / nng / libzmq table, per pattern, transport and size, then the bars."""
    by_key = {}
    for (scenario, implementation), stats in results.items():
        parts = scenario.split(" ")
        if len(parts) != 3:
            continue
        by_key[(parts[0], parts[1], parts[2], implementation)] = stats

    header = [
        "Pattern",
        "Transport",
        "Size",
        "Starling p50/msg",
        "nng p50/msg",
        "zmq p50/msg",
        "nng ÷ Starling",
        "zmq ÷ Starling",
        "Starling allocs/msg",
        "nng / zmq allocs/msg",
        "Starling msgs/s",
        "nng msgs/s",
        "zmq msgs/s",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if index < 3 else "---:" for index in range(len(header))) + "|")
    for pattern, pattern_label in SOCKET_PATTERNS.items():
        for transport in SOCKET_TRANSPORTS:
            for size, size_label in SOCKET_SIZES.items():
                ours, theirs_nng, theirs_zmq = (
                    by_key.get((pattern, transport, size, contender)) for contender in SOCKET_CONTENDERS
                )
                if not (ours or theirs_nng or theirs_zmq):
                    continue  # filtered out of this run
                throughput = pattern == "PushPull"
                row = [
                    pattern_label,
                    transport,
                    size_label,
                    nanoseconds(ours["p50"]) if ours else "–",
                    nanoseconds(theirs_nng["p50"]) if theirs_nng else "–",
                    nanoseconds(theirs_zmq["p50"]) if theirs_zmq else "–",
                    ratio(theirs_nng, ours),
                    ratio(theirs_zmq, ours),
                    count(ours["mallocs"]) if ours else "–",
                    " / ".join(count(stats["mallocs"]) if stats else "–" for stats in (theirs_nng, theirs_zmq)),
                ]
                row += [
                    rate(messages_per_second(stats)) if throughput else "–"
                    for stats in (ours, theirs_nng, theirs_zmq)
                ]
                print("| " + " | ".join(row) + " |")

    print()
    print(
        f"Per message: wall-clock p50 of {messages:,}-message iterations divided by {messages:,} "
        "(for req/rep, per round trip: one request and its reply); msgs/s is the same p50 as a rate. "
        "Allocations are malloc calls in the whole process (peer threads and event loops included), "
        "p50 divided the same way. A ratio above 1× means Starling is faster."
    )

    print()
    print("| Benchmark | min/msg | p50/msg | p90/msg | allocs/msg | samples |")
    print("|---|---:|---:|---:|---:|---:|")
    for (scenario, implementation), stats in sorted(results.items()):
        print(
            f"| {scenario}: {implementation} | {nanoseconds(stats['min'])} | {nanoseconds(stats['p50'])} | "
            f"{nanoseconds(stats['p90'])} | {count(stats['mallocs'])} | {stats['samples']} |"
        )

    print()
    push_ours = by_key.get(("PushPull", "tcp", "64B", "Starling"))
    push_nng = by_key.get(("PushPull", "tcp", "64B", "nng"))
    push_zmq = by_key.get(("PushPull", "tcp", "64B", "zmq"))
    if push_ours and push_nng:
        speedup = push_nng["p50"] / push_ours["p50"]
        verdict = "met" if speedup >= PUSH_PULL_BAR else "MISSED"
        print(
            f"- push/pull 64 B over tcp: Starling {rate(messages_per_second(push_ours))} msgs/s, "
            f"nng {rate(messages_per_second(push_nng))} msgs/s: {speedup:.1f}× nng "
            f"(bar ≥ {PUSH_PULL_BAR:g}×): {verdict}"
        )
    request_ours = by_key.get(("ReqRep", "tcp", "64B", "Starling"))
    request_nng = by_key.get(("ReqRep", "tcp", "64B", "nng"))
    request_zmq = by_key.get(("ReqRep", "tcp", "64B", "zmq"))
    if request_ours and request_nng:
        verdict = "met" if request_ours["p50"] <= request_nng["p50"] else "MISSED"
        print(
            f"- req/rep 64 B over tcp: Starling round trip {nanoseconds(request_ours['p50'])}, "
            f"nng {nanoseconds(request_nng['p50'])} (bar: no slower than nng): {verdict}"
        )
    goals = []
    if push_ours and push_zmq:
        goals.append(f"push/pull 64 B tcp at {push_zmq['p50'] / push_ours['p50']:.2f}× libzmq's throughput")
    if request_ours and request_zmq:
        goals.append(f"req/rep 64 B tcp round trip {request_ours['p50'] / request_zmq['p50']:.2f}× libzmq's")
    if goals:
        print(f"- goal (libzmq's numbers): {'; '.join(goals)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
