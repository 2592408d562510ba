import Foundation
import StarlingChannels
import Testing

@testable import StarlingPipeline

/// The condition language of flow.switch, flow.queueselect and flow.filter.
@Suite(.timeLimit(.minutes(5)))
struct ConditionTests {
  let event: Event = {
    var event = Event(
      data: [
        "level": "error", "code": 503, "ratio": 0.5, "message": "fatal: disk full", "tags": ["a", "b"],
        "empty": "", "none": nil, "ok": false,
      ])
    event["header.site"] = "lab"
    event["header.raw"] = .bytes(Array("bytes here".utf8))
    return event
  }()

  @Test(arguments: [
    ("data.level == 'error'", true),
    ("data.level == \"error\"", true),
    ("data.level != 'error'", false),
    ("data.code == 503", true),
    ("data.code == 503.0", true),
    ("data.code >= 500 and data.code < 600", true),
    ("data.code > 503", false),
    ("data.code <= 503", true),
    ("data.ratio < 1", true),
    ("data.level < 'f'", true),
    ("data.level > 5", false),
    ("data.message =~ '^fatal'", true),
    ("data.message =~ 'disk (full|empty)$'", true),
    ("data.message =~ '^disk'", false),
    ("data.code =~ '5'", false),
    ("header.raw =~ 'bytes'", true),
    ("header.raw == 'bytes here'", true),
    ("header.site exists", true),
    ("header.missing exists", false),
    ("data.none exists", true),
    ("not header.missing exists", true),
    ("data.missing == null", true),
    ("data.none == null", true),
    ("data.level == null", false),
    ("data.ok == false", true),
    ("data.ok", false),
    ("data.level", true),
    ("data.empty", false),
    ("data.missing", false),
    ("data.tags.1 == 'b'", true),
    ("ttl > 0", true),
    ("true", true),
    ("not (data.level == 'error' or data.code == 1)", false),
    ("data.level == 'x' or data.code == 503 and header.site == 'lab'", true),
    ("(data.level == 'x' or data.code == 503) and header.site == 'home'", false),
    ("not not data.level == 'error'", true),
    ("data.code == -1", false),
    ("data.message == 'it\\'s'", false),
  ])
  func evaluates(_ text: String, _ expected: Bool) throws {
    #expect(try Condition(text).matches(event) == expected, "\(text)")
  }

  @Test(arguments: [
    ("", "empty"),
    ("data.level ==", "expected a path or a value, found the end"),
    ("level == 'error'", "`level` is not a path"),
    ("data.level == 'error", "not closed"),
    ("(data.level == 'error'", "expected `)`"),
    ("data.level == 'error')", "expected `and`, `or` or the end"),
    ("data.level = 'error'", "unexpected `=`"),
    ("data.message =~ '('", "not a valid regular expression"),
    ("data.message =~ data.level", "needs a regular expression in quotes"),
    ("'x' exists", "`exists` needs a path"),
    ("data.a and or data.b", "found `or`"),
    ("data.a && data.b", "unexpected `&`"),
    ("data.a == 1.2.3", "is not a number"),
  ])
  func badConditionsSayWhatAndWhere(_ text: String, _ expected: String) {
    do {
      _ = try Condition(text)
      Issue.record("'\(text)' parsed")
    } catch {
      #expect(error.description.contains(expected), "\(error)")
      #expect(error.description.contains("at character"), "\(error)")
    }
  }

  @Test func errorsPointAtTheProblem() {
    do {
      _ = try Condition("data.a == 1 and $")
      Issue.record("parsed")
    } catch {
      #expect(error.offset == 16)
    }
  }
}

/// flow.fanout, roundrobin, funnel, switch, queueselect, filter, count and fresh, in pipelines.
@Suite(.timeLimit(.minutes(5)))
struct FlowModulesTests {
  @Test func fanoutClonesEachEventToEveryOutput() async throws {
    let (a, b) = (Harness.key("a"), Harness.key("b"))
    let pipeline = try await ModulesSupport.run(
      """
      modules:
        gen: {module: input.generator, arguments: {interval: 0, count: 3, payload: "n{{n}}"}}
        copies: {module: flow.fanout}
        a: {module: test.collect, arguments: {key: \(a)}}
        b: {module: test.collect, arguments: {key: \(b)}}
      routes:
        - gen.outbox -> copies.inbox
        - copies.first -> a.inbox
        - copies.second -> b.inbox
      """)
    let first = try await Harness.receive(3, from: a)
    let second = try await Harness.receive(3, from: b)
    #expect(first.map(\.data) == ["n1", "n2", "n3"])
    #expect(second.map(\.data) == ["n1", "n2", "n3"])
    for (x, y) in zip(first, second) {
      #expect(x.id != y.id)
      #expect(x.clonedFrom.count == 1 && x.clonedFrom == y.clonedFrom)
    }
    #expect(pipeline.statistics.first { $0.name == "copies.second -> b.inbox" }?.sent == 3)
  }

  @Test func fanoutWaitsForItsSlowestOutputAndLosesNothing() async throws {
    let (fast, slow) = (Harness.key("fast"), Harness.key("slow"))
    let pipeline = try await ModulesSupport.run(
      """
      settings: {queue_size: 1}
      modules:
        gen: {module: input.generator, arguments: {interval: 0, count: 40, payload: "n{{n}}"}}
        copies: {module: flow.fanout}
        fast: {module: test.collect, arguments: {key: \(fast)}}
        slow: {module: test.collect, arguments: {key: \(slow), delay: 1ms}}
      routes: [gen.outbox -> copies.inbox, copies.fast -> fast.inbox, copies.slow -> slow.inbox]
      """)
    let expected = (1...40).map { EventValue.string("n\($0)") }
    #expect(try await Harness.receive(40, from: fast).map(\.data) == expected)
    #expect(try await Harness.receive(40, from: slow).map(\.data) == expected)
    let drops = pipeline.statistics.filter { $0.capacity > 0 && $0.dropped > 0 }
    #expect(drops.isEmpty, "\(drops)")
  }

  @Test func roundrobinTakesTheOutputsInTurn() async throws {
    let (a, b) = (Harness.key("a"), Harness.key("b"))
    _ = try await ModulesSupport.run(
      """
      modules:
        gen: {module: input.generator, arguments: {interval: 0, count: 6, payload: "n{{n}}"}}
        spread: {module: flow.roundrobin}
        a: {module: test.collect, arguments: {key: \(a)}}
        b: {module: test.collect, arguments: {key: \(b)}}
      routes:
        - gen.outbox -> spread.inbox
        - spread.one -> a.inbox
        - spread.two -> b.inbox
      """)
    #expect(try await Harness.receive(3, from: a).map(\.data) == ["n1", "n3", "n5"])
    #expect(try await Harness.receive(3, from: b).map(\.data) == ["n2", "n4", "n6"])
    #expect(Collector.sink(a).count == 0 && Collector.sink(b).count == 0)
  }

  @Test func funnelMergesAnyNumberOfInputs() async throws {
    let key = Harness.key()
    _ = try await ModulesSupport.run(
      """
      modules:
        x: {module: input.generator, arguments: {interval: 0, count: 3, payload: "x{{n}}"}}
        y: {module: input.generator, arguments: {interval: 0, count: 2, payload: "y{{n}}"}}
        z: {module: input.generator, arguments: {interval: 0, count: 1, payload: "z{{n}}"}}
        merge: {module: flow.funnel}
        sink: {module: test.collect, arguments: {key: \(key)}}
      routes:
        - x.outbox -> merge.web
        - y.outbox -> merge.files
        - z.outbox -> merge.inbox
        - merge.outbox -> sink.inbox
      """)
    let events = try await Harness.receive(6, from: key)
    #expect(Set(events.compactMap(\.data.stringValue)) == ["x1", "x2", "x3", "y1", "y2", "z1"])
    // Each input keeps its own order.
    #expect(events.compactMap(\.data.stringValue).filter { $0.hasPrefix("x") } == ["x1", "x2", "x3"])
  }

  static let levels = """
    {"level": "error", "n": 1}
    {"level": "warning", "n": 2}
    {"level": "info", "n": 3}
    {"level": "error", "n": 4, "lab": true}
    {"n": 5}

    """

  @Test func switchSendsToTheFirstMatchingCaseOrTheDefault() async throws {
    let path = try ModulesSupport.file(Self.levels)
    defer { ModulesSupport.remove(path) }
    let (errors, warnings, other) = (Harness.key("errors"), Harness.key("warnings"), Harness.key("other"))
    let feed = ModulesSupport.jsonFeed(path)
    _ = try await ModulesSupport.run(
      """
      modules:
      \(feed.modules)
        route:
          module: flow.switch
          arguments:
            cases:
              - {when: "data.level == 'error'", queue: errors}
              - {when: "data.level =~ '^warn' or data.lab exists", queue: warnings}
            default: other
        errors: {module: test.collect, arguments: {key: \(errors)}}
        warnings: {module: test.collect, arguments: {key: \(warnings)}}
        other: {module: test.collect, arguments: {key: \(other)}}
      routes:
        - \(feed.route)
        - decode.outbox -> route.inbox
        - route.errors -> errors.inbox
        - route.warnings -> warnings.inbox
        - route.other -> other.inbox
      """)
    #expect(try await Harness.receive(2, from: errors).map { $0["data.n"] } == [1, 4])
    #expect(try await Harness.receive(1, from: warnings).map { $0["data.n"] } == [2])
    #expect(try await Harness.receive(2, from: other).map { $0["data.n"] } == [3, 5])
  }

  @Test func switchWithoutDefaultDropsAndLogsUnmatchedEvents() async throws {
    let path = try ModulesSupport.file(Self.levels)
    defer { ModulesSupport.remove(path) }
    let (errors, logs) = (Harness.key("errors"), Harness.key("logs"))
    let feed = ModulesSupport.jsonFeed(path)
    _ = try await ModulesSupport.run(
      """
      modules:
      \(feed.modules)
        route: {module: flow.switch, arguments: {cases: [{when: "data.level == 'error'", queue: errors}]}}
        errors: {module: test.collect, arguments: {key: \(errors)}}
        logs: {module: test.collect, arguments: {key: \(logs)}}
      routes:
        - \(feed.route)
        - decode.outbox -> route.inbox
        - route.errors -> errors.inbox
        - _logs.outbox -> logs.inbox
      """)
    #expect(try await Harness.receive(2, from: errors).map { $0["data.n"] } == [1, 4])
    let lines = try await Harness.receive(3, from: logs)
    #expect(lines.allSatisfy { $0["data.level"] == "debug" && $0["data.module"] == "route" })
    #expect(lines.allSatisfy { $0["data.message"]?.stringValue?.contains("no case matched") == true })
  }

  @Test func switchWarnsAboutCaseQueuesNoRouteTakes() async throws {
    let (kept, logs, metrics) = (Harness.key("kept"), Harness.key("logs"), Harness.key("metrics"))
    _ = try await ModulesSupport.run(
      """
      modules:
        gen: {module: input.generator, arguments: {interval: 0, count: 2}}
        route: {module: flow.switch, arguments: {cases: [{when: "ttl < 0", queue: kept}, {when: "true", queue: nowhere}]}}
        kept: {module: test.collect, arguments: {key: \(kept)}}
        logs: {module: test.collect, arguments: {key: \(logs)}}
        metrics: {module: test.collect, arguments: {key: \(metrics)}}
      routes:
        - gen.outbox -> route.inbox
        - route.kept -> kept.inbox
        - _logs.outbox -> logs.inbox
        - _metrics.outbox -> metrics.inbox
      """)
    let line = try await Harness.receive(1, from: logs)[0]
    #expect(line["data.level"] == "warning")
    #expect(line["data.message"] == "no route takes queue 'nowhere': events sent there are dropped")
    var counts: [EventValue] = []
    while counts.count < 2 {
      let event = try await Harness.receive(1, from: metrics)[0]
      if event["data.name"] == "unrouted" { counts.append(event["data.value"] ?? .null) }
    }
    #expect(counts == [1.0, 2.0])
    #expect(Collector.sink(kept).count == 0)
  }

  @Test func queueselectSendsToEveryMatchingQueue() async throws {
    let path = try ModulesSupport.file(Self.levels)
    defer { ModulesSupport.remove(path) }
    let (errors, lab, rest) = (Harness.key("errors"), Harness.key("lab"), Harness.key("rest"))
    let feed = ModulesSupport.jsonFeed(path)
    _ = try await ModulesSupport.run(
      """
      modules:
      \(feed.modules)
        select:
          module: flow.queueselect
          arguments:
            cases:
              - {when: "data.level == 'error'", queue: errors}
              - {when: "data.lab == true", queue: lab}
              - {when: "data.n == 4", queue: lab}
            default: rest
        errors: {module: test.collect, arguments: {key: \(errors)}}
        lab: {module: test.collect, arguments: {key: \(lab)}}
        rest: {module: test.collect, arguments: {key: \(rest)}}
      routes:
        - \(feed.route)
        - decode.outbox -> select.inbox
        - select.errors -> errors.inbox
        - select.lab -> lab.inbox
        - select.rest -> rest.inbox
      """)
    let errorEvents = try await Harness.receive(2, from: errors)
    let labEvents = try await Harness.receive(1, from: lab)
    #expect(errorEvents.map { $0["data.n"] } == [1, 4])
    #expect(labEvents.map { $0["data.n"] } == [4])
    #expect(labEvents[0].clonedFrom == [errorEvents[1].id])
    #expect(try await Harness.receive(3, from: rest).map { $0["data.n"] } == [2, 3, 5])
    #expect(Collector.sink(lab).count == 0)
  }

  @Test func filterPassesMatchesAndRejectsTheRest() async throws {
    let path = try ModulesSupport.file(Self.levels)
    defer { ModulesSupport.remove(path) }
    let (passed, rejected) = (Harness.key("passed"), Harness.key("rejected"))
    let feed = ModulesSupport.jsonFeed(path)
    _ = try await ModulesSupport.run(
      """
      modules:
      \(feed.modules)
        only: {module: flow.filter, arguments: {condition: "data.n >= 2 and not data.level == 'error'"}}
        passed: {module: test.collect, arguments: {key: \(passed)}}
        rejected: {module: test.collect, arguments: {key: \(rejected)}}
      routes:
        - \(feed.route)
        - decode.outbox -> only.inbox
        - only.outbox -> passed.inbox
        - only.rejected -> rejected.inbox
      """)
    #expect(try await Harness.receive(3, from: passed).map { $0["data.n"] } == [2, 3, 5])
    #expect(try await Harness.receive(2, from: rejected).map { $0["data.n"] } == [1, 4])
  }

  @Test func filterWithoutARejectedRouteDropsAndCounts() async throws {
    let key = Harness.key()
    let pipeline = try await ModulesSupport.run(
      """
      modules:
        gen: {module: input.generator, arguments: {interval: 0, count: 4, payload: "n{{n}}"}}
        only: {module: flow.filter, arguments: {condition: "data =~ '[13]'"}}
        sink: {module: test.collect, arguments: {key: \(key)}}
      routes: [gen.outbox -> only.inbox, only.outbox -> sink.inbox]
      """)
    #expect(try await Harness.receive(2, from: key).map(\.data) == ["n1", "n3"])
    #expect(pipeline.statistics.first { $0.name == "only.rejected" }?.dropped == 2)
  }

  @Test func countPassesTheFirstOccurrencesPerValue() async throws {
    let path = try ModulesSupport.file("a\na\nb\na\nb\nb\nc\n")
    defer { ModulesSupport.remove(path) }
    let (passed, dropped) = (Harness.key("passed"), Harness.key("dropped"))
    _ = try await ModulesSupport.run(
      """
      modules:
        feed: {module: input.file, arguments: {path: "\(path)"}}
        limit: {module: flow.count, arguments: {limit: 2, window: 1h, mode: first}}
        passed: {module: test.collect, arguments: {key: \(passed)}}
        dropped: {module: test.collect, arguments: {key: \(dropped)}}
      routes: [feed.outbox -> limit.inbox, limit.outbox -> passed.inbox, limit.dropped -> dropped.inbox]
      """)
    #expect(try await Harness.receive(5, from: passed).map(\.data) == ["a", "a", "b", "b", "c"])
    #expect(try await Harness.receive(2, from: dropped).map(\.data) == ["a", "b"])
  }

  @Test func countPassesOnceAValueWasSeenOften() async throws {
    let path = try ModulesSupport.file(
      #"{"host": "x"}\#n{"host": "y"}\#n{"host": "x"}\#n{"host": "x"}\#n{"other": 1}\#n"#)
    defer { ModulesSupport.remove(path) }
    let (passed, dropped) = (Harness.key("passed"), Harness.key("dropped"))
    let feed = ModulesSupport.jsonFeed(path)
    _ = try await ModulesSupport.run(
      """
      modules:
      \(feed.modules)
        repeats: {module: flow.count, arguments: {path: data.host, limit: 2, window: 0, mode: after}}
        passed: {module: test.collect, arguments: {key: \(passed)}}
        dropped: {module: test.collect, arguments: {key: \(dropped)}}
      routes:
        - \(feed.route)
        - decode.outbox -> repeats.inbox
        - repeats.outbox -> passed.inbox
        - repeats.dropped -> dropped.inbox
      """)
    #expect(
      try await Harness.receive(3, from: passed).map(\.data) == [["host": "x"], ["host": "x"], ["other": 1]])
    #expect(try await Harness.receive(2, from: dropped).map(\.data) == [["host": "x"], ["host": "y"]])
  }

  @Test func occurrencesLeaveTheWindow() {
    var window = OccurrenceWindow(window: 10)
    #expect(window.record("a", at: 0) == 1)
    #expect(window.record("a", at: 5) == 2)
    #expect(window.record("b", at: 6) == 1)
    #expect(window.record("a", at: 9.5) == 3)
    #expect(window.record("a", at: 10) == 3)  // the one at 0 has left
    #expect(window.record("a", at: 30) == 1)
    var forever = OccurrenceWindow(window: 0)
    for time in 0..<5 { _ = forever.record(1, at: Double(time) * 1000) }
    #expect(forever.record(1, at: 1e9) == 6)
    var busy = OccurrenceWindow(window: 100)
    var counts: [Int] = []
    for step in 0..<1000 { counts.append(busy.record("x", at: Double(step))) }
    #expect(counts.prefix(100) == ArraySlice(1...100))
    #expect(counts.dropFirst(100).allSatisfy { $0 == 100 })
    var many = OccurrenceWindow(window: 1)
    for value in 0..<2000 { _ = many.record(.int(value), at: Double(value)) }
    #expect(many.trackedValues < 1100)
  }

  @Test func freshRaisesTimeoutsWhileSilentAndRecoversWhenEventsReturn() async throws {
    let path = try ModulesSupport.file("one\ntwo\n")
    defer { ModulesSupport.remove(path) }
    let (passed, alerts) = (Harness.key("passed"), Harness.key("alerts"))
    let pipeline = try Harness.pipeline(
      """
      modules:
        feed: {module: input.file, arguments: {path: "\(path)", mode: follow, from_beginning: true, poll_interval: 20ms}}
        switch:
          module: flow.fresh
          arguments:
            timeout: 1s
            repeat_interval: 100ms
            timeout_payload: {alert: "feed is silent"}
            recovery_payload: back
        passed: {module: test.collect, arguments: {key: \(passed)}}
        alerts: {module: test.collect, arguments: {key: \(alerts)}}
      routes: [feed.outbox -> switch.inbox, switch.outbox -> passed.inbox, switch.timeout -> alerts.inbox]
      """)
    let running = Harness.start(pipeline)
    #expect(try await Harness.receive(2, from: passed).map(\.data) == ["one", "two"])
    let timeouts = try await Harness.receive(2, from: alerts)
    #expect(timeouts.map(\.data) == [["alert": "feed is silent"], ["alert": "feed is silent"]])
    #expect(timeouts.map { $0["header.fresh.state"] } == ["timeout", "timeout"])
    #expect(timeouts.map { $0["header.fresh.alerts"] } == [1, 2])
    #expect((timeouts[0]["header.fresh.silence"]?.doubleValue ?? 0) >= 1)
    try ModulesSupport.append("three\n", to: path)
    // Repeats may still arrive before the line is seen; the recovery follows them.
    var next = try await Harness.receive(1, from: alerts)[0]
    while next["header.fresh.state"] == "timeout" { next = try await Harness.receive(1, from: alerts)[0] }
    #expect(next["header.fresh.state"] == "recovery")
    #expect(next.data == "back")
    #expect(try await Harness.receive(1, from: passed).map(\.data) == ["three"])
    pipeline.stop()
    try await running.value
  }

  @Test(arguments: [
    ("flow.switch", "{cases: [{when: \"data.a ==\", queue: x}]}", "cases[0]: condition 'data.a =='"),
    ("flow.switch", "{cases: [{when: \"data.a\"}]}", "cases[0] needs `queue`"),
    ("flow.switch", "{cases: [{queue: x}]}", "cases[0] needs `when`"),
    ("flow.switch", "{cases: [{when: data.a, queue: x, else: y}]}", "unknown key(s) else"),
    ("flow.switch", "{cases: [{when: data.a, queue: logs}]}", "reserved queue 'logs'"),
    ("flow.switch", "{cases: [{when: data.a, queue: x}], default: a.b}", "default 'a.b' is not a queue name"),
    ("flow.switch", "{cases: []}", "at least one case"),
    ("flow.switch", "{cases: [x]}", "takes map, not string x"),
    ("flow.queueselect", "{cases: [{when: \"data.a =~ '['\", queue: x}]}", "not a valid regular expression"),
    ("flow.filter", "{condition: \"data.a == 'x\"}", "not closed"),
    ("flow.filter", "{condition: \"a == 1\"}", "`a` is not a path"),
    ("flow.count", "{limit: 0}", "argument 'limit' of flow.count must be 1 to 2147483647, not 0"),
    ("flow.count", "{path: nowhere}", "path 'nowhere' is not a path"),
    ("flow.count", "{mode: sometimes}", "mode"),
    ("flow.fresh", "{timeout: 0}", "argument 'timeout' of flow.fresh must be 1ms to 365d, not 0"),
    ("flow.fresh", "{timeout: soon}", "timeout"),
  ])
  func badArgumentsAreConfigErrors(_ type: String, _ arguments: String, _ expected: String) {
    let message = ModulesSupport.errorText(
      """
      modules:
        gen: {module: input.generator}
        flow: {module: \(type), arguments: \(arguments)}
      routes: [gen.outbox -> flow.inbox]
      """)
    #expect(message.contains(expected), "\(message)")
  }

  @Test func everyDescriptorExampleIsAValidConfig() {
    let types = ModuleRegistry.flowModules + ModuleRegistry.processModules + ModuleRegistry.fileModules
    for type in types {
      let descriptor = type.descriptor
      let indented = descriptor.example.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
      let errors = Harness.errors("modules:\n" + indented + "\n")
      #expect(errors.isEmpty, "\(descriptor.type): \(errors)")
      #expect(!descriptor.summary.isEmpty && !descriptor.discussion.isEmpty, "\(descriptor.type)")
      #expect(descriptor.arguments.allSatisfy { !$0.summary.isEmpty }, "\(descriptor.type)")
    }
  }
}
