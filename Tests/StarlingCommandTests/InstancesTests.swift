import Foundation
import Testing

/// `starling run --instances N` on the real binary, with real signals: workers share one
/// listening port, a killed worker is restarted with a backoff and logged, a worker that cannot
/// start stops them all with the reason, SIGHUP reloads every worker, one signal stops them all,
/// and `--pidfile` names the supervisor while it runs.
@Suite(.timeLimit(.minutes(5)))
struct InstancesTests {
  /// A TCP line server on `port` (or another listening `input`) that answers each line with
  /// the worker's number after it.
  static func numbered(
    port: Int, tag: String = "from", extra: String = "", input: String = "input.tcp"
  ) -> String {
    """
    modules:
      server:
        module: \(input)
        arguments:
          listen: "127.0.0.1:\(port)"
    \(extra)
      tag:
        module: process.modify
        arguments:
          operations:
            - template: {path: data, template: "{{data}} \(tag) ${STARLING_INSTANCE}"}
      answer:
        module: output.reply
    routes:
      - server.outbox -> tag.inbox
      - tag.outbox -> answer.inbox
    """
  }

  /// The pid in the supervisor's `worker N (pid P) started its pipeline` for worker `index`,
  /// waiting for one that is not in `earlier` (a restart).
  static func pid(of index: Int, in run: ChildProcess, notIn earlier: [Int32] = []) async throws -> Int32 {
    let prefix = "worker \(index) (pid "
    @Sendable func pid(_ line: Substring) -> Int32? {
      guard line.contains("started its pipeline"), let range = line.range(of: prefix) else { return nil }
      return Int32(line[range.upperBound...].prefix { $0.isNumber })
    }
    let line = try await run.line("starting worker \(index) anew") {
      pid($0).map { !earlier.contains($0) } ?? false
    }
    return try #require(pid(line[...]))
  }

  /// Sends `line` on new connections until answers from every worker in `workers` have come
  /// (the system spreads connections over the workers sharing the port), at most `tries`.
  static func answers(
    _ port: Int, _ line: String, from workers: Set<String>, tries: Int = 200
  ) async throws -> Set<String> {
    var seen: Set<String> = []
    for _ in 0..<tries where !workers.isSubset(of: seen) {
      for answer in try await ReloadTests.exchange(port, line) { seen.insert(answer) }
    }
    return seen
  }

  @Test func workersShareOnePortAndOneSignalStopsThemAll() async throws {
    let port = try Tools.freePort()
    let file = try OpsPeer.config(Self.numbered(port: port))
    let run = try Tools.starling(["run", file, "--instances", "2"])
    try await run.lines(containing: "started its pipeline", count: 2)
    let seen = try await Self.answers(port, "hi", from: ["hi from 1", "hi from 2"])
    #expect(seen == ["hi from 1", "hi from 2"])
    run.signal(SIGTERM)
    let outcome = try await run.finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stderrLines.contains { $0.contains("SIGTERM: stopping 2 workers gracefully") })
    #expect(
      outcome.stderrLines.filter { $0.contains("exited with status 0") }.count == 2, "\(outcome.stderr)")
    #expect(
      outcome.stderrLines.filter { $0.contains("server: listening on tcp://127.0.0.1:\(port)") }.count == 2)
  }

  @Test func httpWorkersShareOnePortToo() async throws {
    let port = try Tools.freePort()
    let yaml = """
      modules:
        api:
          module: input.http
          arguments:
            listen: "127.0.0.1:\(port)"
            format: string
        tag:
          module: process.modify
          arguments:
            operations:
              - template: {path: data, template: "{{data}} from ${STARLING_INSTANCE}"}
        answer:
          module: output.reply
      routes:
        - api.outbox -> tag.inbox
        - tag.outbox -> answer.inbox
      """
    let run = try Tools.starling(["run", try OpsPeer.config(yaml), "--instances", "2"])
    try await run.lines(containing: "started its pipeline", count: 2)
    var seen: Set<String> = []
    for _ in 0..<200 where seen.count < 2 {
      let curl = try await ChildProcess(
        "/usr/bin/curl",
        ["--silent", "--show-error", "--max-time", "30", "--data-binary", "hi", "http://127.0.0.1:\(port)/"]
      ).finish()
      #expect(curl.status == 0, "\(curl.stderr)")
      seen.insert(curl.stdoutText)
    }
    #expect(seen == ["hi from 1", "hi from 2"])
    run.signal(SIGINT)
    #expect(try await run.finish().status == 0)
  }

  @Test func webSocketWorkersShareOnePortToo() async throws {
    let port = try Tools.freePort()
    let yaml = Self.numbered(port: port, input: "input.websocket")
    let run = try Tools.starling(["run", try OpsPeer.config(yaml), "--instances", "2"])
    try await run.lines(containing: "started its pipeline", count: 2)
    var seen: Set<String> = []
    for _ in 0..<200 where seen.count < 2 {
      if let answer = try await WebSocketPeer.exchange(port, "hi") { seen.insert(answer) }
    }
    #expect(seen == ["hi from 1", "hi from 2"])
    run.signal(SIGINT)
    #expect(try await run.finish().status == 0)
  }

  @Test func aKilledWorkerIsRestartedWithABackoffAndLogged() async throws {
    let port = try Tools.freePort()
    let file = try OpsPeer.config(Self.numbered(port: port))
    let run = try Tools.starling(["run", file, "--instances", "2"])
    try await run.lines(containing: "started its pipeline", count: 2)
    let first = try await Self.pid(of: 1, in: run)
    kill(first, SIGKILL)
    _ = try await run.line(containing: "worker 1 (pid \(first)) was killed by SIGKILL")
    let restart = try await run.line(containing: "restarting worker 1 in ")
    #expect(restart.contains(" notice "), "\(restart)")
    let second = try await Self.pid(of: 1, in: run, notIn: [first])
    #expect(second != first)
    // The restarted worker serves again, beside the other.
    #expect(try await Self.answers(port, "back", from: ["back from 1", "back from 2"]).count == 2)
    run.signal(SIGINT)
    let outcome = try await run.finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
  }

  @Test func aWorkerThatCannotStartStopsThemAllWithTheReason() async throws {
    let port = try Tools.freePort()
    let missing = NSTemporaryDirectory() + "starling-no-such-\(UUID().uuidString).crt"
    let file = try OpsPeer.config(
      Self.numbered(port: port, extra: "      tls_cert: \"\(missing)\"\n      tls_key: \"\(missing)\""))
    let outcome = try await Tools.starling(["run", file, "--instances", "2"]).finish()
    #expect(outcome.status == 1, "\(outcome.stderr)")
    #expect(
      outcome.stderr.contains("module 'server' failed to start: `tls_cert` file '\(missing)' does not exist"))
    #expect(outcome.stderrLines.contains { $0.contains("exited with status 1 before its pipeline started") })
    #expect(outcome.stderrLines.last?.hasPrefix("starling: worker ") == true, "\(outcome.stderr)")
    #expect(!outcome.stderr.contains("restarting"), "\(outcome.stderr)")
  }

  @Test func sighupReloadsEveryWorkerAndABadConfigIsRefusedOnce() async throws {
    let port = try Tools.freePort()
    let file = try OpsPeer.config(Self.numbered(port: port))
    let pidfile = NSTemporaryDirectory() + "starling-\(UUID().uuidString).pid"
    let run = try Tools.starling(["run", file, "--instances", "2", "--pidfile", pidfile])
    try await run.lines(containing: "started its pipeline", count: 2)
    // The pidfile names the supervisor: signals sent to it reach every worker.
    let written = try String(contentsOfFile: pidfile, encoding: .utf8)
    #expect(written == "\(run.processIdentifier)\n")

    try OpsPeer.rewrite(file, Self.numbered(port: port, extra: "      mystery: 1"))
    kill(run.processIdentifier, SIGHUP)
    _ = try await run.line(containing: "reload refused: 1 problem in \(file); the workers go on")
    #expect(try await Self.answers(port, "still", from: ["still from 1", "still from 2"]).count == 2)

    try OpsPeer.rewrite(file, Self.numbered(port: port, tag: "by"))
    kill(run.processIdentifier, SIGHUP)
    try await run.lines(containing: "reloaded \(file)", count: 2)
    #expect(try await Self.answers(port, "new", from: ["new by 1", "new by 2"]) == ["new by 1", "new by 2"])

    run.signal(SIGINT)
    let outcome = try await run.finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    // The bad config was reported by the supervisor alone, once.
    #expect(
      outcome.stderrLines.filter { $0.contains("unknown argument 'mystery'") }.count == 1, "\(outcome.stderr)"
    )
    #expect(!FileManager.default.fileExists(atPath: pidfile))
  }

  @Test func aPidfileNamingARunningProcessIsRefused() async throws {
    let pidfile = NSTemporaryDirectory() + "starling-\(UUID().uuidString).pid"
    defer { try? FileManager.default.removeItem(atPath: pidfile) }
    // This test process is running.
    try "\(getpid())\n".write(toFile: pidfile, atomically: true, encoding: .utf8)
    let outcome = try await Tools.starling(["run", PipelineCommandTests.hello, "--pidfile", pidfile]).finish()
    #expect(outcome.status == 1)
    #expect(
      outcome.stderrLines.last
        == "starling: the pidfile \(pidfile) names process \(getpid()), which is running: is another starling using it? (remove the file if that process is not starling)"
    )
    #expect(try String(contentsOfFile: pidfile, encoding: .utf8) == "\(getpid())\n")
  }

  @Test func workersStopWhenTheSupervisorIsKilled() async throws {
    let port = try Tools.freePort()
    let file = try OpsPeer.config(Self.numbered(port: port))
    let run = try Tools.starling(["run", file, "--instances", "2"])
    try await run.lines(containing: "started its pipeline", count: 2)
    run.signal(SIGKILL)
    #expect(try await run.finish().status != 0)
    // The workers write to the supervisor's stderr: it ends when both have exited, each having
    // stopped its pipeline gracefully.
    #expect(await run.endOfOutput())
    let stderr = try await run.finish().stderr
    for index in 1...2 {
      #expect(
        stderr.contains("SIGTERM: stopping gracefully (send it again to stop at once) instance=\(index)"),
        "\(stderr)")
    }
  }
}
