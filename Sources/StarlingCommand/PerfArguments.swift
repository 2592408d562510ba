import ArgumentParser
import Logging

/// The three arguments of every nng perf role: `URL SIZE COUNT`.
struct PerfArguments: ParsableArguments {
  @Argument(help: "The address: local roles listen at it, remote roles dial it.")
  var url: String

  @Argument(help: "The message size in bytes.")
  var size: String

  @Argument(help: "How many round trips (latency) or messages (throughput).")
  var count: String

  /// The size and count, checked as perf does (0 to 2^30).
  func parsed() throws(CatError) -> (size: Int, count: Int) {
    (try Self.number(size, what: "message size"), try Self.number(count, what: "count"))
  }

  /// A whole number from 0 to 2^30, or ``CatError/usage(_:)`` "Invalid WHAT", as perf says.
  static func number(_ text: String, what: String) throws(CatError) -> Int {
    guard let value = Int(text), value >= 0, value <= 1 << 30, !text.hasPrefix("+") else {
      throw .usage("Invalid \(what)")
    }
    return value
  }
}

/// `starling bench local_lat URL SIZE COUNT`: listens and echoes COUNT messages (nng's local_lat).
struct PerfLocalLatency: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "local_lat", abstract: "Listen at URL and echo COUNT messages of SIZE bytes (pair1).")

  @OptionGroup var arguments: PerfArguments

  func run() async throws {
    let (size, count) = try arguments.parsed()
    LogSetup.start(level: .warning)
    try await LatencyRole.serve(url: arguments.url, size: size, roundTrips: count)
  }
}

/// `starling bench remote_lat URL SIZE COUNT`: dials, times COUNT round trips (nng's remote_lat).
struct PerfRemoteLatency: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "remote_lat", abstract: "Dial URL, time COUNT round trips of SIZE bytes, print the latency.")

  @OptionGroup var arguments: PerfArguments

  func run() async throws {
    let (size, count) = try arguments.parsed()
    LogSetup.start(level: .warning)
    let result = try await LatencyRole.measure(url: arguments.url, size: size, roundTrips: count)
    print(result.report, terminator: "")
  }
}

/// `starling bench local_thr URL SIZE COUNT`: listens and times COUNT messages (nng's local_thr).
struct PerfLocalThroughput: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "local_thr",
    abstract: "Listen at URL, time COUNT messages of SIZE bytes, print the throughput.")

  @OptionGroup var arguments: PerfArguments

  func run() async throws {
    let (size, count) = try arguments.parsed()
    LogSetup.start(level: .warning)
    let result = try await ThroughputRole.receive(url: arguments.url, size: size, count: count)
    print(result.report, terminator: "")
  }
}

/// `starling bench remote_thr URL SIZE COUNT`: dials and sends COUNT messages (nng's remote_thr).
struct PerfRemoteThroughput: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "remote_thr", abstract: "Dial URL and send COUNT messages of SIZE bytes (pair1).")

  @OptionGroup var arguments: PerfArguments

  func run() async throws {
    let (size, count) = try arguments.parsed()
    LogSetup.start(level: .warning)
    try await ThroughputRole.send(url: arguments.url, size: size, count: count)
  }
}
