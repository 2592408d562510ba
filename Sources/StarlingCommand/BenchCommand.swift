import ArgumentParser

/// `starling bench`: the one-shot benchmark, or one side of nng's perf tests.
struct BenchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Measure latency and throughput, alone or against nng's perf tools.",
    discussion: """
      With no arguments: req/rep round trips and push/pull throughput for 64 B, 1 KiB and \
      64 KiB messages over inproc, ipc and tcp, then a table (--json for machines).

      The perf roles speak pair1 exactly as nng's perf tool does, so the other side can be \
      nng's local_lat/remote_lat/local_thr/remote_thr:
        starling bench local_lat tcp://127.0.0.1:5555 64 10000 &
        starling bench remote_lat tcp://127.0.0.1:5555 64 10000
      """,
    subcommands: [
      BenchSuiteCommand.self, PerfLocalLatency.self, PerfRemoteLatency.self, PerfLocalThroughput.self,
      PerfRemoteThroughput.self,
    ],
    defaultSubcommand: BenchSuiteCommand.self)
}
