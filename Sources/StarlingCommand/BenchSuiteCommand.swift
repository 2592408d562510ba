import ArgumentParser
import Foundation
import Logging

/// `starling bench` with no role: the one-shot benchmark.
struct BenchSuiteCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "suite",
    abstract: "req/rep latency and push/pull throughput over inproc, ipc and tcp (the default).")

  @Option(help: "Comma-separated: reqrep (round trips), pushpull (throughput).")
  var protocols = "reqrep,pushpull"

  @Option(help: "Comma-separated: inproc, ipc, tcp.")
  var transports = "inproc,ipc,tcp"

  @Option(help: "Comma-separated message sizes in bytes.")
  var sizes = "64,1024,65536"

  @Option(name: .customLong("latency-count"), help: "Round trips per req/rep measurement.")
  var latencyCount = BenchPlan.defaultLatencyCount

  @Option(
    name: .customLong("throughput-count"),
    help: "Messages per push/pull measurement (default: 100000, fewer for large messages).")
  var throughputCount: Int?

  @Flag(help: "Print the results as JSON instead of a table.")
  var json = false

  @Flag(name: [.customLong("quiet"), .customShort("q")], help: "No progress on stderr.")
  var quiet = false

  /// The plan these options ask for.
  func makePlan() throws(CatError) -> BenchPlan {
    var plan = BenchPlan()
    plan.protocols = try Self.list(protocols, flag: "--protocols") { BenchPlan.Kind(rawValue: $0) }
    plan.transports = try Self.list(transports, flag: "--transports") { BenchPlan.Transport(rawValue: $0) }
    plan.sizes = try Self.list(sizes, flag: "--sizes") { Int($0).flatMap { $0 >= 0 ? $0 : nil } }
    guard latencyCount > 0 else { throw .usage("--latency-count must be at least 1") }
    plan.latencyCount = latencyCount
    if let throughputCount {
      guard throughputCount > 0 else { throw .usage("--throughput-count must be at least 1") }
      plan.throughputCount = throughputCount
    }
    return plan
  }

  private static func list<T>(_ text: String, flag: String, _ parse: (String) -> T?) throws(CatError) -> [T] {
    var values: [T] = []
    for item in text.split(separator: ",") {
      guard let value = parse(item.trimmingCharacters(in: .whitespaces)) else {
        throw .usage("\(flag): '\(item)' is not one of the choices")
      }
      values.append(value)
    }
    guard !values.isEmpty else { throw .usage("\(flag) needs at least one value") }
    return values
  }

  func run() async throws {
    let plan = try makePlan()
    LogSetup.start(level: .warning)
    let quiet = quiet
    let results = await BenchRunner.run(plan) { line in
      if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }
    print(json ? BenchReport.json(results) : BenchReport.table(results), terminator: "")
    let failed = results.filter { $0.error != nil }
    if let first = failed.first {
      throw CatError.failed(
        "\(failed.count) of \(results.count) measurements failed; the first: \(first.kind.rawValue) over "
          + "\(first.transport.rawValue), \(first.size) B: \(first.error ?? "")")
    }
  }
}
