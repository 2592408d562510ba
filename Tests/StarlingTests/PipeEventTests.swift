import Foundation
import MetricsTestKit
import Testing

import enum CoreMetrics.MetricsSystem

@testable import Starling

/// Pipe events, the pipe filter, reconnect counts and the swift-metrics export.
@Suite(.timeLimit(.minutes(5))) struct PipeEventTests {
  /// The next `count` events, or fewer if the sequence ends.
  func next(
    _ count: Int, of events: inout AsyncStream<PipeEvent>.Iterator,
    isolation: isolated (any Actor)? = #isolation
  ) async -> [PipeEvent] {
    var result: [PipeEvent] = []
    while result.count < count, let event = await events.next(isolation: isolation) { result.append(event) }
    return result
  }

  @Test func eventsComeInOrderStartingWithTheOpenPipesAndEndWithTheSocket() async throws {
    let pull = Pull0()
    let first = Push0()
    let second = Push0()
    let url = inprocName()
    try await pull.listen(url)
    try await first.dial(url)
    var events = pull.pipeEvents().makeAsyncIterator()
    let opening = await next(1, of: &events)
    #expect(opening.count == 1)
    guard case .added(let firstPipe)? = opening.first else {
      Issue.record("the open pipe comes first: \(opening)")
      return
    }
    #expect(firstPipe.transport == "inproc")

    try await second.dial(url)
    first.close()
    let more = await next(2, of: &events)
    #expect(more.count == 2)
    guard case .added(let secondPipe)? = more.first else {
      Issue.record("the second pipe's addition comes next: \(more)")
      return
    }
    #expect(more.last == .removed(firstPipe, reason: nil))

    pull.close()
    let closing = await next(2, of: &events)
    #expect(closing == [.removed(secondPipe, reason: nil)], "the sequence ends after the last removal")
    second.close()
  }

  @Test func everyPipeIsAddedBeforeItIsRemovedUnderChurn() async throws {
    let rep = Rep0()
    defer { rep.close() }
    let url = inprocName()
    try await rep.listen(url)
    let events = rep.pipeEvents()
    for _ in 0..<50 {
      let req = Req0()
      try await req.dial(url)
      req.close()
    }
    var seen: Set<PipeID> = []
    var removed = 0
    for await event in events {
      switch event {
      case .added(let pipe): seen.insert(pipe.id)
      case .removed(let pipe, _):
        #expect(seen.contains(pipe.id), "\(pipe) removed before it was added")
        removed += 1
      }
      if removed == 50 { break }
    }
    #expect(seen.count == 50)
  }

  @Test func aPipeFilterRefusesPipesBeforeTheyAreUsed() async throws {
    let pull = Pull0()
    let push = Push0()
    defer {
      pull.close()
      push.close()
    }
    let url = "tcp://127.0.0.1:0"
    pull.pipeFilter = { _ in false }
    let bound = try await pull.listen(url).address
    var options = push.options
    options.reconnectMinimum = .milliseconds(10)
    push.options = options
    try await push.dial(bound.url, waitForConnection: false)
    try await eventually("the filter refused a pipe") { pull.statistics.pipesRefused >= 1 }
    #expect(pull.statistics.pipesTotal == 0)

    // Let pipes in again: the dialer's next attempt gets through and messages flow.
    let events = pull.pipeEvents()
    pull.pipeFilter = { $0.transport == "tcp" }
    for await event in events {
      if case .added(let pipe) = event {
        #expect(pipe.transport == "tcp")
        break
      }
    }
    try await push.send("let in")
    #expect(try await pull.receive().string == "let in")
  }

  @Test func reconnectsAreCounted() async throws {
    let path = uniqueIPCPath()
    let rep = Rep0()
    try await rep.listen(path)
    var options = SocketOptions()
    options.reconnectMinimum = .milliseconds(10)
    let req = Req0(options: options)
    defer { req.close() }
    try await req.dial(path)
    #expect(req.statistics.reconnects == 0)
    rep.close()
    let again = Rep0()
    defer { again.close() }
    try await again.listen(path)
    // A slow machine may first reach the old listener while it closes and connect more than
    // once, so the count is at least one, not exactly one.
    try await eventually("the dialer reconnected") {
      req.statistics.reconnects >= 1 && req.statistics.pipesOpen == 1
    }
    #expect(req.statistics.pipesTotal >= 2)
  }

  @Test func countersGoToSwiftMetricsWithTheirLabels() async throws {
    let metrics = TestMetricsBackend.shared
    let pub = Pub0(name: "prices")
    let sub = Sub0(name: "prices-reader")
    defer {
      pub.close()
      sub.close()
    }
    try sub.subscribe("")
    try await join(pub, sub)
    try await eventually("pub has its subscriber") { pub.statistics.pipesOpen == 1 }
    for i in 0..<3 { try await pub.send(Message(string: "tick \(i)")) }
    for _ in 0..<3 { _ = try await sub.receive() }

    let socket = [("socket", "prices"), ("protocol", "pub")]
    #expect(try metrics.expectCounter("starling_messages_out_total", socket).totalValue == 3)
    #expect(try metrics.expectCounter("starling_bytes_out_total", socket).totalValue == 18)
    #expect(
      try metrics.expectCounter("starling_pipes_added_total", socket + [("transport", "inproc")]).totalValue
        == 1)
    #expect(
      try metrics.expectCounter(
        "starling_messages_in_total", [("socket", "prices-reader"), ("protocol", "sub")]
      )
      .totalValue == 3)
  }

  @Test func dropsAndProtocolErrorsAreCountedByCause() async throws {
    let metrics = TestMetricsBackend.shared
    let req = Req0(name: "stale-test")
    let rep = Rep0()
    defer {
      req.close()
      rep.close()
    }
    try await join(rep, req)
    let context = req.makeContext()
    try await context.send("first")
    let first = try await rep.nextRequest()
    try await context.send("second")  // the first request is abandoned
    try await first.reply("too late")
    try await eventually("the late reply is dropped") { req.statistics.drops[.stale] == 1 }
    let dimensions = [("socket", "stale-test"), ("protocol", "req"), ("reason", "stale")]
    #expect(try metrics.expectCounter("starling_drops_total", dimensions).totalValue == 1)
  }
}

/// The swift-metrics backend of the test process, bootstrapped once (swift-metrics allows only
/// one bootstrap per process). Sockets made before it is first used count to no backend.
enum TestMetricsBackend {
  static let shared: TestMetrics = {
    let metrics = TestMetrics()
    MetricsSystem.bootstrap(metrics)
    return metrics
  }()
}
