import Foundation
import Testing

/// SIGHUP on the real binary: a good config replaces the pipeline on the same listening socket,
/// a bad one is refused with every problem logged, one that cannot start falls back to the
/// previous config, and a client sending all through several reloads loses nothing and is never
/// refused.
@Suite(.timeLimit(.minutes(5)))
struct ReloadTests {
  /// A TCP line server (or another listening `input`) on port 0 that answers each line with
  /// `tag` before it.
  static func tagged(_ tag: String, extra: String = "", input: String = "input.tcp") -> String {
    """
    modules:
      server:
        module: \(input)
        arguments:
          listen: "127.0.0.1:0"
    \(extra)
      tag:
        module: process.modify
        arguments:
          operations:
            - template: {path: data, template: "\(tag) {{data}}"}
      answer:
        module: output.reply
    routes:
      - server.outbox -> tag.inbox
      - tag.outbox -> answer.inbox
    """
  }

  /// Sends each line on a new connection to `port` and returns the answers.
  static func exchange(_ port: Int, _ lines: String...) async throws -> [String] {
    let client = try await OpsPeer.start(["client", "\(port)"] + lines.flatMap { ["--line", $0] }).finish()
    #expect(client.status == 0, "\(client.stdoutText) \(client.stderr)")
    return client.stdoutText.split(separator: "\n").map(String.init)
  }

  /// Reloads `file` (rewritten with `yaml` and a comment) three times, each after `client`
  /// has printed `WORD N` for `every` more events, then lets the client go on for `every`
  /// more and ends its input.
  static func reload(
    _ run: ChildProcess, _ file: String, _ yaml: String, thrice client: ChildProcess, every: Int,
    _ word: String
  ) async throws {
    for reload in 1...3 {
      _ = try await client.line(startingWith: "\(word) \(reload * every)", on: .stdout)
      try OpsPeer.rewrite(file, yaml + "\n# reload \(reload)\n")
      run.signal(SIGHUP)
      try await run.lines(containing: "reloaded \(file)", count: reload)
    }
    _ = try await client.line(startingWith: "\(word) \(4 * every)", on: .stdout)
    client.closeInput()
  }

  /// The JSON summary an ops_peer.py client prints last, once it has finished.
  static func summary(of client: ChildProcess) async throws -> [String: Any] {
    let outcome = try await client.finish()
    let last = try #require(outcome.stdoutText.split(separator: "\n").last, "\(outcome.stderr)")
    return try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
  }

  @Test func aGoodConfigReplacesThePipelineOnTheSameSocket() async throws {
    let file = try OpsPeer.config(Self.tagged("A"))
    let run = try Tools.starling(["run", file])
    let port = try await OpsPeer.listeningPort(of: run)
    #expect(try await Self.exchange(port, "one") == ["A one"])
    try OpsPeer.rewrite(file, Self.tagged("B"))
    run.signal(SIGHUP)
    _ = try await run.line(containing: "reloaded \(file); the previous pipeline drains what it accepted")
    // Port 0 in both configs: the new pipeline took the old one's socket, so its port.
    #expect(try await Self.exchange(port, "two") == ["B two"])
    run.signal(SIGINT)
    let outcome = try await run.finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stderrLines.filter { $0.contains("server: listening on") }.count == 2)
  }

  @Test func aBadConfigIsRefusedWithEveryProblemAndTheRunningPipelineGoesOn() async throws {
    let file = try OpsPeer.config(Self.tagged("A"))
    let run = try Tools.starling(["run", file])
    let port = try await OpsPeer.listeningPort(of: run)
    try OpsPeer.rewrite(file, Self.tagged("B", extra: "      framing: lines\n      mystery: 1"))
    run.signal(SIGHUP)
    _ = try await run.line(containing: "reload refused: 2 problems in \(file); the running pipeline goes on")
    _ = try await run.line(
      containing: "\(file):6:7: error: argument 'framing' of input.tcp takes line|length, not string lines")
    _ = try await run.line(containing: "\(file):7:7: error: unknown argument 'mystery' for input.tcp")
    #expect(try await Self.exchange(port, "still") == ["A still"])
    run.signal(SIGINT)
    #expect(try await run.finish().status == 0)
  }

  @Test func aConfigThatCannotStartFallsBackToThePreviousOne() async throws {
    let file = try OpsPeer.config(Self.tagged("A"))
    let run = try Tools.starling(["run", file])
    let port = try await OpsPeer.listeningPort(of: run)
    let missing = NSTemporaryDirectory() + "starling-no-such-\(UUID().uuidString).crt"
    try OpsPeer.rewrite(
      file, Self.tagged("B", extra: "      tls_cert: \"\(missing)\"\n      tls_key: \"\(missing)\""))
    run.signal(SIGHUP)
    _ = try await run.line(
      containing:
        "the reloaded config cannot start: module 'server' failed to start: `tls_cert` file '\(missing)' does not exist"
    )
    _ = try await run.line(
      containing: "reload failed: the new config cannot start; the previous config runs again")
    #expect(try await Self.exchange(port, "back") == ["A back"])
    run.signal(SIGINT)
    #expect(try await run.finish().status == 0)
  }

  /// A client sends line after line, each waiting for its answer, while the config is
  /// reloaded three times: every line is answered once and in order, and no connection is
  /// refused (the listening socket is handed from pipeline to pipeline). A connection the old
  /// pipeline closes as it drains is opened again and its unanswered line sent again.
  @Test func nothingIsLostOrRefusedThroughReloads() async throws {
    let file = try OpsPeer.config(Self.tagged("A"))
    let echo = Self.tagged("A").replacingOccurrences(of: "\"A {{data}}\"", with: "\"{{data}}\"")
    try OpsPeer.rewrite(file, echo)
    let run = try Tools.starling(["run", file])
    let port = try await OpsPeer.listeningPort(of: run)
    let client = try OpsPeer.start(["line-client", "\(port)"], keepInputOpen: true)
    try await Self.reload(run, file, echo, thrice: client, every: 50, "answered")
    let summary = try await Self.summary(of: client)
    #expect(summary["refused"] as? Int == 0, "\(summary)")
    #expect((summary["wrong"] as? [Any])?.isEmpty == true, "\(summary)")
    #expect((summary["answered"] as? Int ?? 0) >= 200, "\(summary)")
    run.signal(SIGINT)
    #expect(try await run.finish().status == 0)
  }

  /// Events counted across reloads: a client POSTs numbered events to `input.http`, each
  /// answered 202 once it is queued (accepted), while the config is reloaded three times.
  /// Every accepted event is written to the file exactly once (the old pipeline drains into
  /// it while the new one writes too), none is written twice (an unanswered request sent
  /// again was not accepted the first time), and no connection is refused.
  @Test func everyAcceptedEventIsWrittenOnceThroughReloads() async throws {
    let output = NSTemporaryDirectory() + "starling-reload-\(UUID().uuidString).log"
    defer { try? FileManager.default.removeItem(atPath: output) }
    let yaml = """
      modules:
        api:
          module: input.http
          arguments:
            listen: "127.0.0.1:0"
            reply: false
            format: string
        archive:
          module: output.file
          arguments:
            path: "\(output)"
      routes:
        - api.outbox -> archive.inbox
      """
    let file = try OpsPeer.config(yaml)
    let run = try Tools.starling(["run", file])
    let port = try await OpsPeer.listeningPort(of: run)
    let client = try OpsPeer.start(["post-client", "\(port)"], keepInputOpen: true)
    try await Self.reload(run, file, yaml, thrice: client, every: 100, "accepted")
    let summary = try await Self.summary(of: client)
    let accepted = try #require(summary["accepted"] as? Int, "\(summary)")
    #expect(summary["refused"] as? Int == 0, "\(summary)")
    #expect((summary["other"] as? [Any])?.isEmpty == true, "\(summary)")
    run.signal(SIGINT)
    let stopped = try await run.finish()
    #expect(stopped.status == 0, "\(stopped.stderr)")
    #expect(stopped.stderrLines.filter { $0.contains("api: listening on") }.count == 4)
    let written = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").compactMap {
      Int($0)
    }
    #expect(written.count == accepted, "\(written.count) written, \(accepted) accepted")
    #expect(written.sorted() == Array(1...accepted))
  }

  /// An SP listener's address is held by the old pipeline until it has drained: the new
  /// pipeline starts once it has (at once if it already has), with no error logged, and
  /// messages sent before and after the reload all arrive.
  @Test func anSPListenerIsTakenOverOnceThePreviousPipelineHasDrained() async throws {
    let output = NSTemporaryDirectory() + "starling-reload-\(UUID().uuidString).log"
    defer { try? FileManager.default.removeItem(atPath: output) }
    let url = Tools.ipc("reload")
    let yaml = """
      modules:
        jobs:
          module: input.pull
          arguments:
            listen: "\(url)"
        archive:
          module: output.file
          arguments:
            path: "\(output)"
      routes:
        - jobs.outbox -> archive.inbox
      """
    let file = try OpsPeer.config(yaml)
    let run = try Tools.starling(["run", file, "--log-level", "trace"])
    _ = try await run.line(containing: "jobs: listening on \(url)")
    #expect(try await Tools.nngcat(["--push0", "--dial", url, "-D", "before"]).finish().status == 0)
    try OpsPeer.rewrite(file, yaml + "\n# reloaded\n")
    run.signal(SIGHUP)
    // At once if the old pipeline has drained by then, else once it has: either way the new
    // listener is bound when the line is logged.
    _ = try await run.line(containing: "reloaded \(file)")
    #expect(try await Tools.nngcat(["--push0", "--dial", url, "-D", "after"]).finish().status == 0)
    run.signal(SIGINT)
    let outcome = try await run.finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(!outcome.stderrLines.contains { $0.contains(" error ") }, "\(outcome.stderr)")
    #expect(try String(contentsOfFile: output, encoding: .utf8) == "before\nafter\n")
  }

  /// `input.websocket` hands its listening socket to the next pipeline as `input.tcp` and
  /// `input.http` do: asked for port 0 both times, the new pipeline listens on the old one's
  /// port, and a client connecting after the reload is answered by it.
  @Test func aWebSocketInputHandsItsSocketToTheNextPipeline() async throws {
    let file = try OpsPeer.config(Self.tagged("A", input: "input.websocket"))
    let run = try Tools.starling(["run", file])
    let port = try await OpsPeer.listeningPort(of: run, module: "server")
    #expect(try await WebSocketPeer.exchange(port, "one") == "A one")
    try OpsPeer.rewrite(file, Self.tagged("B", input: "input.websocket"))
    run.signal(SIGHUP)
    _ = try await run.line(containing: "reloaded \(file)")
    #expect(try await WebSocketPeer.exchange(port, "two") == "B two")
    run.signal(SIGINT)
    let outcome = try await run.finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(
      outcome.stderrLines.filter { $0.contains("server: listening on ws://127.0.0.1:\(port)") }.count == 2)
  }
}
