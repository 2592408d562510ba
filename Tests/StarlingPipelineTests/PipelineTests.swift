import Logging
import StarlingChannels
import Testing

@testable import StarlingPipeline

@Suite(.timeLimit(.minutes(5)))
struct PipelineTests {
  func make(_ yaml: String) throws -> Pipeline {
    try Pipeline(config: PipelineConfig.parse(yaml: yaml, file: "test.yaml"), registry: Harness.testRegistry)
  }

  func route(_ pipeline: Pipeline, _ name: String) -> QueueStatistics? {
    pipeline.statistics.first { $0.name == name }
  }

  @Test func inputsThatFinishEndThePipeline() async throws {
    let key = Harness.key()
    let pipeline = try make(
      """
      modules:
        gen: {module: generator, arguments: {interval: 0, count: 5, payload: "n{{n}}", header: {source: test}}}
        sink: {module: test.collect, arguments: {key: \(key)}}
      routes: [gen.outbox -> sink.inbox]
      """)
    try await pipeline.run()
    let events = try await Harness.receive(5, from: key)
    #expect(events.map(\.data) == ["n1", "n2", "n3", "n4", "n5"])
    #expect(events.allSatisfy { $0.header["source"] == "test" && $0.ttl == Event.defaultTTL - 1 })
    #expect(Set(events.map(\.id)).count == 5)
    #expect(route(pipeline, "gen.outbox -> sink.inbox")?.sent == 5)
  }

  @Test func modulesStartConsumersFirstAndStopAfterTheLastEvent() async throws {
    let key = Harness.key()
    let pipeline = try make(
      """
      modules:
        gen: {module: generator, arguments: {interval: 0, count: 2}}
        first: {module: test.lifecycle, arguments: {key: \(key)}}
        second: {module: test.lifecycle, arguments: {key: \(key)}}
        sink: {module: test.collect, arguments: {key: \(key)}}
      routes:
        - gen.outbox -> first.inbox
        - first.outbox -> second.inbox
        - second.outbox -> sink.inbox
      """)
    try await pipeline.run()
    let log = try await Harness.receive(6, from: key).map { $0.data.stringValue ?? "" }
    #expect(
      log == ["start second", "start first", "hello world", "hello world", "stop first", "stop second"])
  }

  @Test func backpressureSlowsTheProducerAndLosesNothing() async throws {
    let key = Harness.key()
    let capacity = 2
    let pipeline = try make(
      """
      settings: {queue_size: \(capacity)}
      modules:
        gen: {module: generator, arguments: {interval: 0, count: 60, payload: "n{{n}}"}}
        slow: {module: test.collect, arguments: {key: \(key), delay: 2ms}}
      routes: [gen.outbox -> slow.inbox]
      """)
    let running = Harness.start(pipeline)
    let sink = Collector.sink(key)
    for received in 1...60 {
      let event = try #require(await sink.receive())
      #expect(event.data == .string("n\(received)"))
      // The generator is held back by the full queue: it can be ahead of the consumer by the
      // queue's capacity and the one event the consumer holds, never more.
      let statistics = try #require(route(pipeline, "gen.outbox -> slow.inbox"))
      #expect(statistics.received <= received + capacity + 1)
      #expect(statistics.size <= capacity)
    }
    try await running.value
    let statistics = try #require(route(pipeline, "gen.outbox -> slow.inbox"))
    #expect(statistics.received == 60 && statistics.sent == 60 && statistics.dropped == 0)
  }

  @Test func gracefulStopLosesNoAcceptedEvent() async throws {
    let key = Harness.key()
    let pipeline = try make(
      """
      settings: {queue_size: 50}
      modules:
        gen: {module: generator, arguments: {interval: 0}}
        relay: {module: test.relay}
        slow: {module: test.collect, arguments: {key: \(key), delay: 1ms}}
      routes: [gen.outbox -> relay.inbox, relay.outbox -> slow.inbox]
      """)
    let running = Harness.start(pipeline)
    _ = try await Harness.receive(10, from: key)
    pipeline.stop()
    try await running.value
    let accepted = try #require(route(pipeline, "gen.outbox -> relay.inbox")).received
    let delivered = try #require(route(pipeline, "relay.outbox -> slow.inbox")).sent
    #expect(accepted > 10)
    #expect(delivered == accepted)
    // Everything delivered reached the sink: 10 read above, the rest still in it.
    #expect(Collector.sink(key).count == accepted - 10)
  }

  @Test func stopNowEndsAPipelineThatWouldDrainForLong() async throws {
    let key = Harness.key()
    let pipeline = try make(
      """
      settings: {queue_size: 1000}
      modules:
        gen: {module: generator, arguments: {interval: 0, count: 500}}
        slow: {module: test.collect, arguments: {key: \(key), delay: 1h}}
      routes: [gen.outbox -> slow.inbox]
      """)
    let running = Harness.start(pipeline)
    // The consumer has its first event and sleeps for an hour on it: a graceful stop would
    // wait for it and the 499 queued behind it; a stop at once drops them.
    _ = try await Harness.receive(1, from: key)
    pipeline.stop()
    pipeline.stopNow()
    try await running.value
    #expect(Collector.sink(key).count == 0)
    let statistics = try #require(route(pipeline, "gen.outbox -> slow.inbox"))
    #expect(statistics.sent == 1)
  }

  @Test func failedEventsGoToFailureWithTheErrorAndTheModuleKeepsRunning() async throws {
    let good = Harness.key("good")
    let failed = Harness.key("failed")
    let logs = Harness.key("logs")
    let pipeline = try make(
      """
      modules:
        gen: {module: generator, arguments: {interval: 0, count: 4, payload: "n{{n}}"}}
        picky: {module: test.collect, arguments: {key: \(good), fail_when: n2}}
        failed: {module: test.collect, arguments: {key: \(failed)}}
        logs: {module: test.collect, arguments: {key: \(logs)}}
      routes:
        - gen.outbox -> picky.inbox
        - picky.failure -> failed.inbox
        - _logs.outbox -> logs.inbox
      """)
    try await pipeline.run()
    #expect(try await Harness.receive(3, from: good).map(\.data) == ["n1", "n3", "n4"])
    let failure = try #require(try await Harness.receive(1, from: failed).first)
    #expect(failure.data == "n2")
    #expect(failure.error == EventError(module: "picky", kind: "TestFailure", message: "refused n2"))
    #expect(failure["error.module"] == "picky")
    let logLines = try await Harness.receive(1, from: logs)
    #expect(logLines.first?["data.level"] == "error")
    #expect(logLines.first?["data.module"] == "picky")
    #expect(logLines.first?["data.message"]?.stringValue?.contains("refused n2") == true)
  }

  /// Routes cannot loop (validation refuses cycles), but a path can still be longer than an
  /// event's time-to-live: the event is dropped, counted and logged where it runs out.
  @Test func timeToLiveEndsAPathLongerThanIt() async throws {
    let logs = Harness.key("logs")
    let sink = Harness.key()
    let relays = Event.defaultTTL + 1
    let pipeline = try make(
      """
      modules:
        gen: {module: generator, arguments: {interval: 0, count: 1}}
      \((1...relays).map { "  r\($0): {module: test.relay}" }.joined(separator: "\n"))
        sink: {module: test.collect, arguments: {key: \(sink)}}
        logs: {module: test.collect, arguments: {key: \(logs)}}
      routes:
        - gen.outbox -> r1.inbox
      \((1..<relays).map { "  - r\($0).outbox -> r\($0 + 1).inbox" }.joined(separator: "\n"))
        - r\(relays).outbox -> sink.inbox
        - _logs.outbox -> logs.inbox
      """)
    try await pipeline.run()
    let line = try #require(try await Harness.receive(1, from: logs).first)
    #expect(line["data.module"] == .string("r\(relays)"))
    #expect(line["data.message"]?.stringValue?.contains("TTL ran out") == true)
    #expect(pipeline.expiredEvents == 1)
    #expect(route(pipeline, "r\(relays).outbox -> sink.inbox")?.received == 0)
  }

  @Test func unconnectedQueuesDropAndCount() async throws {
    let pipeline = try make(
      """
      modules:
        gen: {module: generator, arguments: {interval: 0, count: 5}}
      """)
    try await pipeline.run()
    let outbox = try #require(pipeline.statistics.first { $0.name == "gen.outbox" })
    #expect(outbox.dropped == 5 && outbox.capacity == 0)
  }

  @Test func queueStatisticsArriveAsMetricEvents() async throws {
    let key = Harness.key("metrics")
    let pipeline = try make(
      """
      settings: {metrics_interval: 1h}
      modules:
        gen: {module: generator, arguments: {interval: 0, count: 3}}
        sink: {module: output.null}
        metrics: {module: test.collect, arguments: {key: \(key)}}
      routes:
        - gen.outbox -> sink.inbox
        - _metrics.outbox -> metrics.inbox
      """)
    try await pipeline.run()
    // The pipeline reports once more when its inputs have finished, so even an interval of an
    // hour yields a report.
    var found: Event?
    for event in try await Harness.receive(Collector.sink(key).count, from: key)
    where event["data.route"] == "gen.outbox -> sink.inbox" {
      found = event
    }
    let report = try #require(found)
    #expect(report["data.type"] == "queue")
    #expect(
      report["data.in_total"] == 3 && report["data.out_total"] == 3 && report["data.dropped_total"] == 0)
    #expect(report["data.capacity"] == 100)
  }

  @Test func aModuleThatCannotStartStopsThePipelineBeforeItRuns() async throws {
    let key = Harness.key()
    let pipeline = try make(
      """
      modules:
        gen: {module: generator, arguments: {interval: 0}}
        broken: {module: test.failstart}
        ok: {module: test.lifecycle, arguments: {key: \(key)}}
      routes: [gen.outbox -> broken.inbox, broken.outbox -> ok.inbox]
      """)
    await #expect(throws: PipelineError.startFailed(module: "broken", reason: "no disk today")) {
      try await pipeline.run()
    }
    // `ok` had started (consumers start first) and was stopped again.
    #expect(try await Harness.receive(2, from: key).map(\.data) == ["start ok", "stop ok"])
  }

  @Test func aReplyHandleAnswersOnce() async throws {
    let answers = Collector.sink(Harness.key())
    let handle = ReplyHandle(origin: "test") { event in _ = try answers.trySend(event) }
    let event = Event(data: "answer")
    try await handle.send(event)
    await #expect(throws: PipelineError.alreadyAnswered("test")) { try await handle.send(event) }
    #expect(answers.count == 1 && handle.isAnswered)
  }
}
