import ArgumentParser
import Foundation
import Testing

@testable import StarlingCommandLine

/// `starling bench`: the plan from its options, the report, a small run, and the perf roles
/// against real nng playing the other side (Tests/Interop/perf_peer.c on libnng-dev).
@Suite(.timeLimit(.minutes(5)))
struct BenchTests {
  @Test func theDefaultPlanIsEverythingTheIssueAsksFor() throws {
    let plan = try BenchSuiteCommand.parse([]).makePlan()
    #expect(plan.protocols == [.reqrep, .pushpull])
    #expect(plan.transports == [.inproc, .ipc, .tcp])
    #expect(plan.sizes == [64, 1024, 65536])
    #expect(plan.cases.count == 18)
    #expect(plan.messages(ofSize: 64) == 100_000)
    #expect(plan.messages(ofSize: 65536) == 8192)
    #expect(plan.latencyCount == 10_000)
  }

  @Test func optionsChooseProtocolTransportSizesAndCounts() throws {
    let plan = try BenchSuiteCommand.parse([
      "--protocols", "pushpull", "--transports", "tcp,ipc", "--sizes", "10, 20", "--latency-count", "7",
      "--throughput-count", "9",
    ]).makePlan()
    #expect(plan.protocols == [.pushpull])
    #expect(plan.transports == [.tcp, .ipc])
    #expect(plan.sizes == [10, 20])
    #expect(plan.latencyCount == 7)
    #expect(plan.messages(ofSize: 65536) == 9)
    for bad in [
      ["--protocols", "carrier"], ["--transports", "ws"], ["--sizes", "ten"], ["--sizes=-1"],
      ["--latency-count", "0"],
    ] {
      #expect(throws: CatError.self, "\(bad)") { try BenchSuiteCommand.parse(bad).makePlan() }
    }
  }

  @Test func aSmallRunMeasuresEveryCase() async throws {
    var plan = BenchPlan()
    plan.sizes = [64, 5000]
    plan.latencyCount = 20
    plan.throughputCount = 50
    var progress: [String] = []
    let results = await BenchRunner.run(plan) { progress.append($0) }
    #expect(results.allSatisfy { $0.error == nil }, "\(results.compactMap(\.error))")
    #expect(results.count == 12)
    #expect(results.map(\.size) == Array(repeating: [64, 5000], count: 6).flatMap { $0 })
    #expect(
      results.filter { $0.kind == .reqrep }.allSatisfy { $0.count == 20 && $0.roundTripMicroseconds != nil })
    #expect(
      results.filter { $0.kind == .pushpull }.allSatisfy { $0.count == 50 && $0.roundTripMicroseconds == nil }
    )
    #expect(progress.count == 24)
    #expect(progress.last?.hasPrefix("[12/12] pushpull tcp 5000 B: ") == true)
  }

  @Test func theReportAsTableAndJSON() throws {
    let results = [
      BenchResult(kind: .reqrep, transport: .tcp, size: 64, count: 1000, seconds: 0.05),
      BenchResult(kind: .pushpull, transport: .ipc, size: 65536, count: 100, seconds: 0.5),
      BenchResult(kind: .pushpull, transport: .inproc, size: 64, count: 0, seconds: 0, error: "timed out"),
    ]
    let table = BenchReport.table(results).split(separator: "\n")
    #expect(table.count == 5)
    #expect(table[4].contains("failed:"))
    #expect(table[4].contains("timed out"))
    #expect(table[0].hasPrefix("protocol"))
    #expect(table[2].contains("50.0 µs"))
    #expect(table[2].contains("20000"))
    #expect(table[3].contains("64 KiB"))
    #expect(table[3].contains("13.1"))
    let json =
      try JSONSerialization.jsonObject(with: Data(BenchReport.json(results).utf8)) as? [[String: Any]]
    #expect(json?.count == 3)
    #expect(json?[2]["error"] as? String == "timed out")
    #expect(json?[2]["messagesPerSecond"] == nil)
    #expect(json?[0]["protocol"] as? String == "reqrep")
    #expect(json?[0]["roundTripMicroseconds"] as? Double == 50)
    #expect(json?[1]["roundTripMicroseconds"] == nil)
    #expect(json?[1]["messagesPerSecond"] as? Double == 200)
  }

  @Test func theCommandPrintsProgressOnStderrAndJSONOnStdout() async throws {
    let outcome = try await Tools.starling([
      "bench", "--protocols", "reqrep,pushpull", "--transports", "tcp", "--sizes", "64", "--latency-count",
      "20",
      "--throughput-count", "100", "--json",
    ]).finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stderr.contains("[1/2] reqrep tcp 64 B"))
    let json = try JSONSerialization.jsonObject(with: Data(outcome.stdout)) as? [[String: Any]]
    #expect(json?.map { $0["protocol"] as? String } == ["reqrep", "pushpull"])
  }

  @Test func perfArgumentsAreCheckedAsPerfDoes() throws {
    #expect(throws: CatError.usage("Invalid message size")) {
      try PerfArguments.number("x", what: "message size")
    }
    #expect(throws: CatError.usage("Invalid count")) { try PerfArguments.number("-1", what: "count") }
    #expect(throws: CatError.usage("Invalid count")) { try PerfArguments.number("\(1 << 31)", what: "count") }
    #expect(try PerfArguments.number("1024", what: "count") == 1024)
  }

  @Test func perfReportLinesAreNngs() {
    let latency = LatencyRole.Result(seconds: 0.5, size: 64, roundTrips: 1000)
    #expect(
      latency.report
        == "total time: 0.500 [s]\nmessage size: 64 [B]\nround trip count: 1000\naverage latency: 250.000 [us]\n"
    )
    let throughput = ThroughputRole.Result(seconds: 2, size: 1024, count: 10000)
    #expect(
      throughput.report
        == "total time: 2.000 [s]\nmessage size: 1024 [B]\nmessage count: 10000\nthroughput: 5000 [msg/s]\n"
        + "throughput: 39.062 [Mb/s]\n")
  }

  // MARK: perf roles against nng

  func perfPeer() async throws -> String {
    try await Tools.perfPeer()
  }

  /// The lines of a perf result, with the numbers replaced by `N`.
  func shape(_ text: String) -> [String] {
    text.split(separator: "\n").map { String($0).replacing(/[0-9]+(\.[0-9]+)?/, with: "N") }
  }

  static let latencyShape = [
    "total time: N [s]", "message size: N [B]", "round trip count: N", "average latency: N [us]",
  ]
  static let throughputShape = [
    "total time: N [s]", "message size: N [B]", "message count: N", "throughput: N [msg/s]",
    "throughput: N [Mb/s]",
  ]

  @Test(arguments: ["tcp", "ipc"])
  func starlingLocalLatencyWithNngRemoteLatency(transport: String) async throws {
    let url = transport == "tcp" ? "tcp://127.0.0.1:\(try Tools.freePort())" : Tools.ipc("perf")
    let local = try Tools.starling(["bench", "local_lat", url, "100", "50"])
    let remote = try await ChildProcess(try await perfPeer(), ["remote_lat", url, "100", "50"]).finish()
    #expect(remote.status == 0, "\(remote.stderr)")
    #expect(shape(remote.stdoutText) == Self.latencyShape)
    #expect(remote.stdoutText.contains("message size: 100 [B]\nround trip count: 50\n"))
    let localOutcome = try await local.finish()
    #expect(localOutcome.status == 0, "\(localOutcome.stderr)")
    #expect(localOutcome.stdout.isEmpty)
  }

  @Test(arguments: ["tcp", "ipc"])
  func nngLocalLatencyWithStarlingRemoteLatency(transport: String) async throws {
    let url = transport == "tcp" ? "tcp://127.0.0.1:\(try Tools.freePort())" : Tools.ipc("perf")
    let local = try ChildProcess(try await perfPeer(), ["local_lat", url, "100", "50"])
    _ = try await local.line(startingWith: "LISTENING")
    let remote = try await Tools.starling(["bench", "remote_lat", url, "100", "50"]).finish()
    #expect(remote.status == 0, "\(remote.stderr)")
    #expect(shape(remote.stdoutText) == Self.latencyShape)
    #expect(remote.stdoutText.contains("message size: 100 [B]\nround trip count: 50\n"))
    #expect(try await local.finish().status == 0)
  }

  @Test(arguments: ["tcp", "ipc"])
  func starlingLocalThroughputWithNngRemoteThroughput(transport: String) async throws {
    let url = transport == "tcp" ? "tcp://127.0.0.1:\(try Tools.freePort())" : Tools.ipc("perf")
    let local = try Tools.starling(["bench", "local_thr", url, "1000", "200"])
    let remote = try await ChildProcess(try await perfPeer(), ["remote_thr", url, "1000", "200"]).finish()
    #expect(remote.status == 0, "\(remote.stderr)")
    let localOutcome = try await local.finish()
    #expect(localOutcome.status == 0, "\(localOutcome.stderr)")
    #expect(shape(localOutcome.stdoutText) == Self.throughputShape)
    #expect(localOutcome.stdoutText.contains("message size: 1000 [B]\nmessage count: 200\n"))
  }

  @Test(arguments: ["tcp", "ipc"])
  func nngLocalThroughputWithStarlingRemoteThroughput(transport: String) async throws {
    let url = transport == "tcp" ? "tcp://127.0.0.1:\(try Tools.freePort())" : Tools.ipc("perf")
    let local = try ChildProcess(try await perfPeer(), ["local_thr", url, "1000", "200"])
    _ = try await local.line(startingWith: "LISTENING")
    let remote = try await Tools.starling(["bench", "remote_thr", url, "1000", "200"]).finish()
    #expect(remote.status == 0, "\(remote.stderr)")
    #expect(remote.stdout.isEmpty)
    let localOutcome = try await local.finish()
    #expect(localOutcome.status == 0, "\(localOutcome.stderr)")
    #expect(shape(localOutcome.stdoutText) == Self.throughputShape)
    #expect(localOutcome.stdoutText.contains("message size: 1000 [B]\nmessage count: 200\n"))
  }

  @Test func aPerfRoleThatCannotDialSaysSoInOneLine() async throws {
    let port = try Tools.freePort()
    let outcome = try await Tools.starling(["bench", "remote_lat", "tcp://127.0.0.1:\(port)", "64", "10"])
      .finish()
    #expect(outcome.status != 0)
    #expect(outcome.stderr.split(separator: "\n").count == 1)
    #expect(outcome.stderr.contains("nng_dial"))
    let bad = try await Tools.starling(["bench", "local_lat", "tcp://127.0.0.1:0", "big", "10"]).finish()
    #expect(bad.status != 0)
    #expect(bad.stderr == "starling: Invalid message size (see 'starling bench --help')\n")
    let missing = try await Tools.starling(["bench", "remote_thr", "tcp://127.0.0.1:1"]).finish()
    #expect(missing.status == 64)
    #expect(missing.stderr.split(separator: "\n").count == 1)
  }
}
