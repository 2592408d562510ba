import Foundation
import StarlingChannels
import Testing

@testable import StarlingPipeline

/// input.file (read and follow), output.file, and the line splitting input.stdin shares.
@Suite(.timeLimit(.minutes(5)))
struct FilesModulesTests {
  @Test func fileReadSendsEveryLineThenEnds() async throws {
    let path = try ModulesSupport.file("first\r\nsecond\n\nthird é\nno newline")
    defer { ModulesSupport.remove(path) }
    let key = Harness.key()
    _ = try await ModulesSupport.run(
      """
      modules:
        feed: {module: input.file, arguments: {path: "\(path)"}}
        sink: {module: test.collect, arguments: {key: \(key)}}
      routes: [feed.outbox -> sink.inbox]
      """)
    let events = try await Harness.receive(5, from: key)
    #expect(events.map(\.data) == ["first", "second", "", "third é", "no newline"])
    #expect(events.map { $0["header.file.line"] } == [1, 2, 3, 4, 5])
    #expect(events.allSatisfy { $0["header.file.path"] == .string(path) })
    #expect(Collector.sink(key).count == 0)
  }

  @Test func fileReadWaitsForASlowConsumer() async throws {
    let lines = (1...300).map { "line \($0)" }
    let path = try ModulesSupport.file(lines.joined(separator: "\n") + "\n")
    defer { ModulesSupport.remove(path) }
    let key = Harness.key()
    let pipeline = try await ModulesSupport.run(
      """
      settings: {queue_size: 2}
      modules:
        feed: {module: input.file, arguments: {path: "\(path)"}}
        slow: {module: test.collect, arguments: {key: \(key), delay: 1ms}}
      routes: [feed.outbox -> slow.inbox]
      """)
    #expect(try await Harness.receive(300, from: key).map(\.data) == lines.map { .string($0) })
    #expect(pipeline.statistics.first { $0.name == "feed.outbox -> slow.inbox" }?.dropped == 0)
  }

  @Test func fileFollowSendsAppendedLinesAndRereadsATruncatedFile() async throws {
    let path = try ModulesSupport.file("a rather long first line\n")
    defer { ModulesSupport.remove(path) }
    let key = Harness.key()
    let pipeline = try Harness.pipeline(
      """
      modules:
        feed: {module: input.file, arguments: {path: "\(path)", mode: follow, from_beginning: true, poll_interval: 10ms}}
        sink: {module: test.collect, arguments: {key: \(key)}}
      routes: [feed.outbox -> sink.inbox]
      """)
    let running = Harness.start(pipeline)
    #expect(try await Harness.receive(1, from: key).map(\.data) == ["a rather long first line"])
    try ModulesSupport.append("second\nhalf", to: path)
    #expect(try await Harness.receive(1, from: key).map(\.data) == ["second"])
    try ModulesSupport.append(" and whole\n", to: path)
    #expect(try await Harness.receive(1, from: key).map(\.data) == ["half and whole"])
    // Truncate in place (same inode), then write a shorter content.
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: 0)
    try handle.write(contentsOf: Data("new\n".utf8))
    try handle.close()
    #expect(try await Harness.receive(1, from: key).map(\.data) == ["new"])
    pipeline.stop()
    try await running.value
  }

  @Test func fileFollowReopensARotatedFile() async throws {
    let path = try ModulesSupport.file("old\n")
    defer { ModulesSupport.remove(path) }
    let key = Harness.key()
    let pipeline = try Harness.pipeline(
      """
      modules:
        feed: {module: input.file, arguments: {path: "\(path)", mode: follow, from_beginning: true, poll_interval: 10ms}}
        sink: {module: test.collect, arguments: {key: \(key)}}
      routes: [feed.outbox -> sink.inbox]
      """)
    let running = Harness.start(pipeline)
    #expect(try await Harness.receive(1, from: key).map(\.data) == ["old"])
    try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
    try Data("rotated\n".utf8).write(to: URL(fileURLWithPath: path))
    #expect(try await Harness.receive(1, from: key).map(\.data) == ["rotated"])
    pipeline.stop()
    try await running.value
  }

  @Test(arguments: [("missing", "No such file or directory"), ("directory", "it is a directory")])
  func unreadableFilesStopTheStartWithTheReason(_ what: String, _ reason: String) async throws {
    let existing = try ModulesSupport.file()
    defer { ModulesSupport.remove(existing) }
    let directory = URL(fileURLWithPath: existing).deletingLastPathComponent().path
    let path = what == "missing" ? directory + "/nothing-here.txt" : directory
    let pipeline = try Harness.pipeline(
      """
      modules:
        feed: {module: input.file, arguments: {path: "\(path)"}}
        sink: {module: output.null}
      routes: [feed.outbox -> sink.inbox]
      """)
    await #expect {
      try await pipeline.run()
    } throws: { error in
      guard case .startFailed(let module, let message) = error as? PipelineError else { return false }
      return module == "feed" && message.contains(path) && message.contains(reason)
    }
  }

  @Test func fileOutputAppendsOneLinePerEvent() async throws {
    let path = try ModulesSupport.file("already here\n", name: "out.log")
    defer { ModulesSupport.remove(path) }
    _ = try await ModulesSupport.run(
      """
      modules:
        words: {module: input.generator, arguments: {interval: 0, count: 2, payload: "w{{n}}"}}
        maps: {module: input.generator, arguments: {interval: 0, count: 1, payload: {a: [1, "x"]}}}
        merge: {module: flow.funnel}
        out: {module: output.file, arguments: {path: "\(path)"}}
      routes: [words.outbox -> merge.words, maps.outbox -> merge.maps, merge.outbox -> out.inbox]
      """)
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(lines.first == "already here")
    #expect(Set(lines.dropFirst()) == ["w1", "w2", #"{"a":[1,"x"]}"#])
  }

  @Test func fileOutputWritesTheSelection() async throws {
    let path = try ModulesSupport.file(name: "out.log")
    defer { ModulesSupport.remove(path) }
    _ = try await ModulesSupport.run(
      """
      modules:
        gen: {module: input.generator, arguments: {interval: 0, count: 2, payload: "n{{n}}", header: {tag: t}}}
        tags: {module: output.file, arguments: {path: "\(path)", selection: header.tag}}
      routes: [gen.outbox -> tags.inbox]
      """)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "t\nt\n")
  }

  @Test func fileOutputToABadPathStopsTheStartWithTheReason() async throws {
    let existing = try ModulesSupport.file()
    defer { ModulesSupport.remove(existing) }
    let path = existing + "/cannot/be/here.log"
    let pipeline = try Harness.pipeline(
      """
      modules:
        gen: {module: input.generator, arguments: {count: 1}}
        out: {module: output.file, arguments: {path: "\(path)"}}
      routes: [gen.outbox -> out.inbox]
      """)
    await #expect {
      try await pipeline.run()
    } throws: { error in
      guard case .startFailed(let module, let message) = error as? PipelineError else { return false }
      return module == "out" && message.contains("cannot open \(path) for appending: Not a directory")
    }
  }

  @Test func linesAreCutAtNewlinesAndAtTheLimit() {
    var splitter = LineSplitter(maximumLength: 4)
    #expect(splitter.lines(Array("ab\r\ncd".utf8)) == ["ab"])
    #expect(splitter.lines(Array("e\nabcdefg".utf8)) == ["cde", "abcd"])
    #expect(splitter.finish() == "efg")
    #expect(splitter.finish() == nil)
  }

  @Test(arguments: [
    ("input.file", "{path: \"\"}", "path must not be empty"),
    ("input.file", "{}", "path"),
    ("input.file", "{path: x, mode: tail}", "mode"),
    ("input.file", "{path: x, poll_interval: 0}", "poll_interval must be more than 0"),
    ("input.file", "{path: x, max_line: 0}", "max_line must be 1 or more"),
    ("input.stdin", "{max_line: -1}", "max_line must be 1 or more"),
  ])
  func badInputArgumentsAreConfigErrors(_ type: String, _ arguments: String, _ expected: String) {
    let message = ModulesSupport.errorText(
      """
      modules:
        feed: {module: \(type), arguments: \(arguments)}
        sink: {module: output.null}
      routes: [feed.outbox -> sink.inbox]
      """)
    #expect(message.contains(expected), "\(message)")
  }

  @Test(arguments: [
    ("{path: \"\"}", "path must not be empty"),
    ("{path: x, selection: nowhere}", "selection 'nowhere'"),
    ("{}", "path"),
  ])
  func badOutputArgumentsAreConfigErrors(_ arguments: String, _ expected: String) {
    let message = ModulesSupport.errorText(
      """
      modules:
        gen: {module: input.generator}
        out: {module: output.file, arguments: \(arguments)}
      routes: [gen.outbox -> out.inbox]
      """)
    #expect(message.contains(expected), "\(message)")
  }
}
