import Foundation
import StarlingChannels
import Testing

@testable import StarlingPipeline

/// process.modify, process.json, process.pack and process.unpack, in pipelines.
@Suite(.timeLimit(.minutes(5)))
struct ProcessModulesTests {
  @Test func modifyAppliesItsOperationsInOrder() async throws {
    let path = try ModulesSupport.file(
      #"{"name": "Ada", "temp": 21, "site": "lab", "debug": true, "tags": ["a"]}"# + "\n")
    defer { ModulesSupport.remove(path) }
    let key = Harness.key()
    let feed = ModulesSupport.jsonFeed(path)
    _ = try await ModulesSupport.run(
      """
      modules:
      \(feed.modules)
        tidy:
          module: process.modify
          arguments:
            operations:
              - set: {path: header.source, value: {kind: sensor, id: 7}}
              - rename: {from: data.temp, to: data.temperature}
              - copy: {from: data.name, to: header.who}
              - uppercase: data.site
              - lowercase: data.name
              - template: {path: data.summary, template: "{{data.site}}: {{data.temperature}} C {{data.tags}}{{data.nothing}} by {{header.who}}"}
              - delete: data.debug
              - delete: data.missing
        sink: {module: test.collect, arguments: {key: \(key)}}
      routes: [\(feed.route), decode.outbox -> tidy.inbox, tidy.outbox -> sink.inbox]
      """)
    let event = try await Harness.receive(1, from: key)[0]
    #expect(
      event.data == [
        "name": "ada", "temperature": 21, "site": "LAB", "tags": ["a"],
        "summary": #"LAB: 21 C ["a"] by Ada"#,
      ])
    #expect(event.header["source"] == ["kind": "sensor", "id": 7])
    #expect(event.header["who"] == "Ada")
  }

  @Test func modifyFailsAnEventWhoseOperationFindsNothingUsable() async throws {
    let path = try ModulesSupport.file(
      #"{"name": 5}"# + "\n" + #"{"other": 1}"# + "\n" + #"{"name": "x"}"# + "\n")
    defer { ModulesSupport.remove(path) }
    let (passed, failed) = (Harness.key("passed"), Harness.key("failed"))
    let feed = ModulesSupport.jsonFeed(path)
    _ = try await ModulesSupport.run(
      """
      modules:
      \(feed.modules)
        shout: {module: process.modify, arguments: {operations: [{set: {path: data.seen, value: true}}, {uppercase: data.name}]}}
        passed: {module: test.collect, arguments: {key: \(passed)}}
        failed: {module: test.collect, arguments: {key: \(failed)}}
      routes: [\(feed.route), decode.outbox -> shout.inbox, shout.outbox -> passed.inbox, shout.failure -> failed.inbox]
      """)
    #expect(try await Harness.receive(1, from: passed).map(\.data) == [["name": "X", "seen": true]])
    let failures = try await Harness.receive(2, from: failed)
    #expect(failures.map { $0.error?.message } == ["data.name is int, not text", "nothing at data.name"])
    #expect(failures.map { $0.error?.module } == ["shout", "shout"])
    // The event goes to failure as it came in: earlier operations are not kept.
    #expect(failures.map(\.data) == [["name": 5], ["other": 1]])
  }

  @Test func jsonDecodesAndEncodesBetweenPaths() async throws {
    let key = Harness.key()
    _ = try await ModulesSupport.run(
      """
      modules:
        gen: {module: input.generator, arguments: {interval: 0, count: 2, payload: "{\\"n\\": {{n}}, \\"s\\": [true, null]}"}}
        decode: {module: process.json, arguments: {mode: decode, destination: header.parsed}}
        encode: {module: process.json, arguments: {mode: encode, source: header.parsed.s, destination: data}}
        sink: {module: test.collect, arguments: {key: \(key)}}
      routes: [gen.outbox -> decode.inbox, decode.outbox -> encode.inbox, encode.outbox -> sink.inbox]
      """)
    let events = try await Harness.receive(2, from: key)
    #expect(
      events.map { $0.header["parsed"] } == [["n": 1, "s": [true, nil]], ["n": 2, "s": [true, nil]]])
    #expect(events.map(\.data) == ["[true,null]", "[true,null]"])
  }

  @Test func badJsonFailsTheEventWithTheByteOffset() async throws {
    let path = try ModulesSupport.file("{\"a\": 1}\n{\"a\": 1,}\nnot json\n[1, 2\n")
    defer { ModulesSupport.remove(path) }
    let (passed, failed) = (Harness.key("passed"), Harness.key("failed"))
    let feed = ModulesSupport.jsonFeed(path)
    let pipeline = try await ModulesSupport.run(
      """
      modules:
      \(feed.modules)
        passed: {module: test.collect, arguments: {key: \(passed)}}
        failed: {module: test.collect, arguments: {key: \(failed)}}
      routes: [\(feed.route), decode.outbox -> passed.inbox, decode.failure -> failed.inbox]
      """)
    #expect(try await Harness.receive(1, from: passed).map(\.data) == [["a": 1]])
    let failures = try await Harness.receive(3, from: failed)
    #expect(failures.map(\.data) == [#"{"a": 1,}"#, "not json", "[1, 2"])
    let messages = failures.compactMap { $0.error?.message }
    #expect(messages.count == 3)
    #expect(messages.allSatisfy { $0.hasPrefix("data: invalid JSON at byte ") }, "\(messages)")
    #expect(messages[0].contains("byte 8"), "\(messages[0])")
    #expect(pipeline.statistics.first { $0.name == "decode.outbox -> passed.inbox" }?.sent == 1)
  }

  @Test func jsonDecodeRefusesWhatIsNotText() async throws {
    let (passed, failed) = (Harness.key("passed"), Harness.key("failed"))
    _ = try await ModulesSupport.run(
      """
      modules:
        gen: {module: input.generator, arguments: {interval: 0, count: 1, payload: {a: 1}}}
        decode: {module: process.json, arguments: {mode: decode}}
        missing: {module: process.json, arguments: {mode: encode, source: header.nothing}}
        passed: {module: test.collect, arguments: {key: \(passed)}}
        failed: {module: test.collect, arguments: {key: \(failed)}}
        merge: {module: flow.funnel}
        copies: {module: flow.fanout}
      routes:
        - gen.outbox -> copies.inbox
        - copies.a -> decode.inbox
        - copies.b -> missing.inbox
        - decode.failure -> merge.decode
        - missing.failure -> merge.missing
        - merge.outbox -> failed.inbox
      """)
    let messages = Set(try await Harness.receive(2, from: failed).compactMap { $0.error?.message })
    #expect(messages == ["data is object, not JSON text", "nothing at header.nothing"])
    #expect(Collector.sink(passed).count == 0)
  }

  @Test func packBatchesBySizeAndFlushesTheRestOnStop() async throws {
    let key = Harness.key()
    _ = try await ModulesSupport.run(
      """
      modules:
        gen: {module: input.generator, arguments: {interval: 0, count: 7, payload: "n{{n}}"}}
        batch: {module: process.pack, arguments: {size: 3, age: 1h}}
        sink: {module: test.collect, arguments: {key: \(key)}}
      routes: [gen.outbox -> batch.inbox, batch.outbox -> sink.inbox]
      """)
    let batches = try await Harness.receive(3, from: key)
    #expect(batches.map(\.data) == [["n1", "n2", "n3"], ["n4", "n5", "n6"], ["n7"]])
    #expect(batches.map { $0["header.pack.count"] } == [3, 3, 1])
  }

  @Test func packSendsItsBatchWhenThePipelineStops() async throws {
    let path = try ModulesSupport.file("a\nb\nc\n")
    defer { ModulesSupport.remove(path) }
    let key = Harness.key()
    let pipeline = try Harness.pipeline(
      """
      modules:
        feed: {module: input.file, arguments: {path: "\(path)", mode: follow, from_beginning: true}}
        batch: {module: process.pack, arguments: {size: 100, age: 1h}}
        sink: {module: test.collect, arguments: {key: \(key)}}
      routes: [feed.outbox -> batch.inbox, batch.outbox -> sink.inbox]
      """)
    let running = Harness.start(pipeline)
    // Wait until pack has taken all three lines (an event to await does not exist here).
    while pipeline.statistics.first(where: { $0.name == "feed.outbox -> batch.inbox" })?.sent != 3 {
      try await Task.sleep(for: .milliseconds(5))
    }
    #expect(Collector.sink(key).count == 0)
    pipeline.stop()
    try await running.value
    #expect(try await Harness.receive(1, from: key).map(\.data) == [["a", "b", "c"]])
  }

  @Test func packSendsWhatArrivedWithinItsAge() async throws {
    let path = try ModulesSupport.file("a\nb\n")
    defer { ModulesSupport.remove(path) }
    let key = Harness.key()
    let pipeline = try Harness.pipeline(
      """
      modules:
        feed: {module: input.file, arguments: {path: "\(path)", mode: follow, from_beginning: true, poll_interval: 20ms}}
        batch: {module: process.pack, arguments: {size: 100, age: 50ms}}
        sink: {module: test.collect, arguments: {key: \(key)}}
      routes: [feed.outbox -> batch.inbox, batch.outbox -> sink.inbox]
      """)
    let running = Harness.start(pipeline)
    // The batch goes out while the pipeline runs on: its age, not a stop, sent it.
    var lines: [EventValue] = []
    while lines.count < 2 { lines += try await Harness.receive(1, from: key)[0].data.arrayValue ?? [] }
    #expect(lines == ["a", "b"])
    try ModulesSupport.append("c\n", to: path)
    #expect(try await Harness.receive(1, from: key).map(\.data) == [["c"]])
    pipeline.stop()
    try await running.value
  }

  @Test func packWaitsForASlowConsumerAndLosesNothing() async throws {
    let key = Harness.key()
    let pipeline = try await ModulesSupport.run(
      """
      settings: {queue_size: 1}
      modules:
        gen: {module: input.generator, arguments: {interval: 0, count: 50, payload: "n{{n}}"}}
        batch: {module: process.pack, arguments: {size: 5, age: 1ms}}
        slow: {module: test.collect, arguments: {key: \(key), delay: 2ms}}
      routes: [gen.outbox -> batch.inbox, batch.outbox -> slow.inbox]
      """)
    var items: [EventValue] = []
    while items.count < 50 { items += try await Harness.receive(1, from: key)[0].data.arrayValue ?? [] }
    #expect(items == (1...50).map { .string("n\($0)") })
    // Every queue a route connects (and the funnels') dropped nothing.
    let drops = pipeline.statistics.filter { $0.capacity > 0 && $0.dropped > 0 }
    #expect(drops.isEmpty, "\(drops)")
    let route = try #require(pipeline.statistics.first { $0.name == "batch.outbox -> slow.inbox" })
    #expect(route.sent == route.received && route.sent >= 10)
  }

  @Test func unpackSendsOneEventPerElement() async throws {
    let key = Harness.key()
    _ = try await ModulesSupport.run(
      """
      modules:
        gen: {module: input.generator, arguments: {interval: 0, count: 5, payload: "n{{n}}", header: {h: 1}}}
        batch: {module: process.pack, arguments: {size: 2}}
        split: {module: process.unpack}
        sink: {module: test.collect, arguments: {key: \(key)}}
      routes: [gen.outbox -> batch.inbox, batch.outbox -> split.inbox, split.outbox -> sink.inbox]
      """)
    let events = try await Harness.receive(5, from: key)
    #expect(events.map(\.data) == ["n1", "n2", "n3", "n4", "n5"])
    #expect(events.map { $0["header.unpack.index"] } == [0, 1, 0, 1, 0])
    #expect(events.map { $0["header.unpack.count"] } == [2, 2, 2, 2, 1])
    #expect(events.allSatisfy { $0.clonedFrom.count == 1 })
  }

  @Test func unpackFailsAnEventThatIsNotAList() async throws {
    let (passed, failed) = (Harness.key("passed"), Harness.key("failed"))
    _ = try await ModulesSupport.run(
      """
      modules:
        gen: {module: input.generator, arguments: {interval: 0, count: 1, payload: "just text"}}
        split: {module: process.unpack}
        passed: {module: test.collect, arguments: {key: \(passed)}}
        failed: {module: test.collect, arguments: {key: \(failed)}}
      routes: [gen.outbox -> split.inbox, split.outbox -> passed.inbox, split.failure -> failed.inbox]
      """)
    let failure = try await Harness.receive(1, from: failed)[0]
    #expect(failure.error?.message == "data is string, not a list")
    #expect(failure.data == "just text")
    #expect(Collector.sink(passed).count == 0)
  }

  @Test(arguments: [
    ("process.modify", "{operations: []}", "at least one"),
    ("process.modify", "{operations: [{set: {path: id, value: 1}}]}", "cannot write 'id'"),
    ("process.modify", "{operations: [{delete: timestamp}]}", "cannot write 'timestamp'"),
    ("process.modify", "{operations: [{rename: {from: data.a, to: error.x}}]}", "cannot write 'error.x'"),
    ("process.modify", "{operations: [{copy: {from: nowhere, to: data.x}}]}", "'nowhere' is not a path"),
    ("process.modify", "{operations: [{copy: {from: data.a}}]}", "needs `to`"),
    ("process.modify", "{operations: [{set: {path: data.a}}]}", "needs `value`"),
    ("process.modify", "{operations: [{set: {path: data.a, value: 1, extra: 2}}]}", "unknown key(s) extra"),
    ("process.modify", "{operations: [{shout: data.a}]}", "unknown operation 'shout'"),
    ("process.modify", "{operations: [{uppercase: data.a, lowercase: data.b}]}", "one key"),
    ("process.modify", "{operations: [{template: {path: data.a, template: \"{{data.b\"}}]}", "not closed"),
    (
      "process.modify", "{operations: [{template: {path: data.a, template: \"{{b}}\"}}]}",
      "`{{b}}` is not a path"
    ),
    ("process.json", "{mode: decode, destination: id}", "destination 'id'"),
    ("process.json", "{mode: encode, source: x}", "source 'x'"),
    ("process.json", "{mode: both}", "mode"),
    ("process.json", "{}", "mode"),
    ("process.pack", "{size: 0}", "argument 'size' of process.pack must be 1 to 1000000, not 0"),
    ("process.pack", "{age: 0}", "argument 'age' of process.pack must be 1ms to 1d, not 0"),
  ])
  func badArgumentsAreConfigErrors(_ type: String, _ arguments: String, _ expected: String) {
    let message = ModulesSupport.errorText(
      """
      modules:
        gen: {module: input.generator}
        process: {module: \(type), arguments: \(arguments)}
      routes: [gen.outbox -> process.inbox]
      """)
    #expect(message.contains(expected), "\(message)")
  }
}
