import Foundation
import NIOCore
import Starling

/// Runs the one-shot benchmark: both ends of each measurement in this process.
enum BenchRunner {
  /// How long a measurement may go without progress before it counts as failed.
  static let stallTimeout: Duration = .seconds(10)

  /// Runs every measurement of `plan`, reporting progress lines to `progress`. A measurement
  /// that fails is kept in the results with its error, and the others still run.
  static func run(_ plan: BenchPlan, progress: (String) -> Void) async -> [BenchResult] {
    var results: [BenchResult] = []
    let cases = plan.cases
    for (index, (kind, transport, size)) in cases.enumerated() {
      let url = address(for: transport, index: index)
      let label = "[\(index + 1)/\(cases.count)] \(kind.rawValue) \(transport.rawValue) \(size) B"
      progress("\(label) …")
      let result: BenchResult
      do {
        switch kind {
        case .reqrep:
          result = try await roundTrips(url: url, transport: transport, size: size, count: plan.latencyCount)
        case .pushpull:
          result = try await throughput(
            url: url, transport: transport, size: size, count: plan.messages(ofSize: size))
        }
      } catch {
        result = BenchResult(
          kind: kind, transport: transport, size: size, count: 0, seconds: 0,
          error: CatSession.describe(error, timeout: stallTimeout))
      }
      progress("\(label): \(result.summary)")
      results.append(result)
    }
    return results
  }

  /// A fresh address for one measurement.
  static func address(for transport: BenchPlan.Transport, index: Int) -> String {
    let pid = ProcessInfo.processInfo.processIdentifier
    switch transport {
    case .inproc: return "inproc://starling-bench-\(pid)-\(index)"
    case .ipc: return "ipc://" + NSTemporaryDirectory() + "starling-bench-\(pid)-\(index).sock"
    case .tcp: return "tcp://127.0.0.1:0"
    }
  }

  static var options: SocketOptions {
    var options = SocketOptions()
    options.receiveMaxSize = 0
    options.receiveTimeout = stallTimeout
    options.sendTimeout = stallTimeout
    return options
  }

  /// req/rep: `count` round trips one after the other, after a short warm-up.
  static func roundTrips(
    url: String, transport: BenchPlan.Transport, size: Int, count: Int
  ) async throws
    -> BenchResult
  {
    let rep = Rep0(name: "bench-rep", options: options)
    let req = Req0(name: "bench-req", options: options)
    defer {
      req.close()
      rep.close()
      removeSocketFile(url)
    }
    let bound = try await rep.listen(url).address
    try await req.dial(bound.url)
    let warmUp = min(100, count)
    let server = Task {
      for _ in 0..<(warmUp + count) {
        let request = try await rep.nextRequest()
        try await request.reply(Message(body: request.message.body))
      }
    }
    defer { server.cancel() }
    let message = Message(body: ByteBuffer(repeating: 0x61, count: size))
    for _ in 0..<warmUp { _ = try await req.request(message) }
    let start = ContinuousClock.now
    for _ in 0..<count {
      let reply = try await req.request(message)
      guard reply.body.readableBytes == size else {
        throw CatError.failed("a reply of \(reply.body.readableBytes) bytes, not \(size)")
      }
    }
    let elapsed = ContinuousClock.now - start
    try await server.value
    return BenchResult(
      kind: .reqrep, transport: transport, size: size, count: count, seconds: elapsed.seconds)
  }

  /// push/pull: `count` messages as fast as they go; the clock starts at the first message.
  static func throughput(
    url: String, transport: BenchPlan.Transport, size: Int, count: Int
  ) async throws
    -> BenchResult
  {
    let pull = Pull0(name: "bench-pull", options: options)
    let push = Push0(name: "bench-push", options: options)
    defer {
      push.close()
      pull.close()
      removeSocketFile(url)
    }
    let bound = try await pull.listen(url).address
    try await push.dial(bound.url)
    let message = Message(body: ByteBuffer(repeating: 0x61, count: size))
    let sender = Task {
      try await push.send(Message())  // starts the clock, as in nng's perf
      for _ in 0..<count { try await push.send(message) }
    }
    defer { sender.cancel() }
    _ = try await pull.receive()
    let start = ContinuousClock.now
    var bytes = 0
    for _ in 0..<count { bytes += try await pull.receive().body.readableBytes }
    let elapsed = ContinuousClock.now - start
    try await sender.value
    guard bytes == size * count else {
      throw CatError.failed("received \(bytes) bytes, expected \(size * count)")
    }
    return BenchResult(
      kind: .pushpull, transport: transport, size: size, count: count, seconds: elapsed.seconds)
  }

  private static func removeSocketFile(_ url: String) {
    if url.hasPrefix("ipc://") { try? FileManager.default.removeItem(atPath: String(url.dropFirst(6))) }
  }
}
