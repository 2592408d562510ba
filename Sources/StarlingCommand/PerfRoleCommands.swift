import ArgumentParser
import Logging

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
