import Foundation
import Testing

/// `Examples/Pipelines/deadmans-switch.yaml` run by the `starling` binary, and input.stdin's
/// end of input ending a pipeline.
@Suite(.timeLimit(.minutes(5)))
struct DeadMansSwitchExampleTests {
  static let example = Tools.root.appendingPathComponent("Examples/Pipelines/deadmans-switch.yaml").path
  static let fastTimings = ["FEED_INTERVAL": "50ms", "FEED_COUNT": "3", "SILENCE": "500ms", "REPEAT": "1h"]

  @Test func theExampleValidates() async throws {
    let outcome = try await Tools.starling(["validate", Self.example]).finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stdoutText.contains("ok (8 modules, 7 routes)"))
  }

  @Test func theSwitchFiresWhenTheFeedStopsAndStopsOnSIGINT() async throws {
    let run = try Tools.starling(
      ["run", Self.example], keepInputOpen: true, environment: Self.fastTimings)
    _ = try await run.line(startingWith: "switch: ALERT: no events for a while", on: .stdout)
    run.signal(SIGINT)
    let outcome = try await run.finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let lines = outcome.stdoutText.split(separator: "\n").map(String.init)
    #expect(
      lines.filter { $0.hasPrefix("event: ") } == [
        "event: reading 1", "event: reading 2", "event: reading 3",
      ])
    // REPEAT is an hour: one alert, no recovery.
    #expect(lines.filter { $0.hasPrefix("switch: ") } == ["switch: ALERT: no events for a while"])
    #expect(outcome.stderr.contains("no event for"))
  }

  @Test func aTypedLineRecoversAndTheEndOfInputEndsThePipeline() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "starling-dms-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let fifo = directory.appendingPathComponent("stdin").path
    #expect(mkfifo(fifo, 0o600) == 0)
    // The shell gives starling the FIFO as its standard input, so the test can type later.
    let run = try ChildProcess(
      "/bin/sh", ["-c", #"exec "$0" run "$1" < "$2""#, Tools.starlingPath, Self.example, fifo],
      environment: Self.fastTimings)
    // Opening a FIFO for writing waits for its reader: off the test's own thread.
    let opened = await Task.detached { FileHandle(forWritingAtPath: fifo) }.value
    let input = try #require(opened)
    _ = try await run.line(startingWith: "switch: ALERT", on: .stdout)
    try input.write(contentsOf: Data("I am back\n".utf8))
    _ = try await run.line(startingWith: "switch: RECOVERED: events are flowing again", on: .stdout)
    try input.close()
    let outcome = try await run.finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let lines = outcome.stdoutText.split(separator: "\n").map(String.init)
    #expect(lines.filter { $0.hasPrefix("event: ") }.last == "event: I am back")
    #expect(
      lines.filter { $0.hasPrefix("switch: ") } == [
        "switch: ALERT: no events for a while", "switch: RECOVERED: events are flowing again",
      ])
  }

  @Test func stdinLinesBecomeEventsUntilTheEndOfInput() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "starling-stdin-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let config = directory.appendingPathComponent("stdin.yaml")
    try Data(
      """
      modules:
        lines: {module: input.stdin}
        shout: {module: process.modify, arguments: {operations: [{uppercase: data}]}}
        console: {module: output.stdout}
      routes: [lines.outbox -> shout.inbox, shout.outbox -> console.inbox]
      """.utf8
    ).write(to: config)
    let outcome = try await Tools.starling(["run", config.path], stdin: Data("one\r\ntwo\n\nlast".utf8))
      .finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stdoutText == "ONE\nTWO\n\nLAST\n")
  }
}
