import Foundation
import Testing

/// Delivery from the command line: output.http against a real HTTP(S) sink (Python's
/// http.server), retried with backoff before an event goes to `failure`, several requests in
/// flight, https; socket outputs that give up on a peer that never comes; and what the log says
/// when a sink is dead.
@Suite(.timeLimit(.minutes(5)))
struct DeliveryTests {
  /// Events `data` from a generator, POSTed to `url`; failures printed with a `failed: ` prefix.
  static func post(_ url: String, count: Int = 3, arguments: String = "") -> String {
    """
    modules:
      events:
        module: input.generator
        arguments: {interval: 0, count: \(count), payload: "event {{n}}"}
      hook:
        module: output.http
        arguments:
          url: "\(url)"
          backoff_min: 10ms
    \(arguments)
      failed:
        module: output.stdout
        arguments: {prefix: "failed: "}
    routes:
      - events.outbox -> hook.inbox
      - hook.failure -> failed.inbox
    """
  }

  @Test func aFailingPOSTIsRetriedUntilTheSinkTakesIt() async throws {
    let sink = try OpsPeer.start(["http-sink", "--fail", "2"])
    let port = try await OpsPeer.port(of: sink)
    let run = try await Tools.starling([
      "run", try OpsPeer.config(Self.post("http://127.0.0.1:\(port)/in", count: 1)),
    ])
    .finish()
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.isEmpty, "nothing failed: \(run.stdoutText)")
    _ = try await sink.line(startingWith: "POST /in event 1", on: .stdout)
    _ = try await sink.stop()
  }

  @Test func retriesRunOutAndTheEventGoesToFailureWithTheReason() async throws {
    let sink = try OpsPeer.start(["http-sink", "--fail", "100"])
    let port = try await OpsPeer.port(of: sink)
    let config = Self.post("http://127.0.0.1:\(port)/in", count: 1, arguments: "      retries: 2")
    let run = try await Tools.starling(["run", try OpsPeer.config(config)]).finish()
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdoutText == "failed: event 1\n")
    #expect(
      run.stderr.contains(
        "hook: an event failed: POST http://127.0.0.1:\(port)/in answered 503: not now (gave up after 3 tries)"
      ),
      "\(run.stderr)")
    _ = try await sink.stop()
  }

  @Test func aClientErrorIsNotRetried() async throws {
    let sink = try OpsPeer.start(["http-sink", "--fail", "1", "--status", "400"])
    let port = try await OpsPeer.port(of: sink)
    let run = try await Tools.starling([
      "run", try OpsPeer.config(Self.post("http://127.0.0.1:\(port)/in", count: 2)),
    ])
    .finish()
    #expect(run.status == 0, "\(run.stderr)")
    // The first event got the 400 and failed at once; the second was taken.
    #expect(run.stdoutText == "failed: event 1\n")
    #expect(
      run.stderr.contains("answered 400: not now\n") || run.stderr.contains("answered 400: not now event="))
    _ = try await sink.line(startingWith: "POST /in event 2", on: .stdout)
    _ = try await sink.stop()
  }

  /// With max_in_flight 4, four requests are open at once: the sink holds every request until
  /// four are waiting, so with one at a time this would never finish.
  @Test func maxInFlightSendsRequestsSideBySide() async throws {
    let sink = try OpsPeer.start(["http-sink", "--hold", "4"])
    let port = try await OpsPeer.port(of: sink)
    let config = Self.post("http://127.0.0.1:\(port)/in", count: 4, arguments: "      max_in_flight: 4")
    let run = try await Tools.starling(["run", try OpsPeer.config(config)]).finish()
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.isEmpty, "\(run.stdoutText)")
    for number in 1...4 { _ = try await sink.line(startingWith: "POST /in event \(number)", on: .stdout) }
    _ = try await sink.stop()
  }

  @Test func httpsWithTheSinksAuthority() async throws {
    let certificates = try await OpsPeer.Certificates.make()
    let sink = try OpsPeer.start([
      "http-sink", "--cert", certificates.path("server", "crt"), "--key", certificates.path("server", "key"),
    ])
    let port = try await OpsPeer.port(of: sink)
    let trusted = Self.post(
      "https://localhost:\(port)/secure", count: 1,
      arguments: "      tls_ca: \"\(certificates.path("ca", "crt"))\"")
    let run = try await Tools.starling(["run", try OpsPeer.config(trusted)]).finish()
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.isEmpty, "\(run.stdoutText) \(run.stderr)")
    _ = try await sink.line(startingWith: "POST /secure event 1", on: .stdout)
    // Without the authority the system's are used, which do not know this one.
    let untrusted = Self.post("https://localhost:\(port)/secure", count: 1, arguments: "      retries: 0")
    let refused = try await Tools.starling(["run", try OpsPeer.config(untrusted)]).finish()
    #expect(refused.stdoutText == "failed: event 1\n")
    #expect(
      refused.stderr.contains(
        "hook: an event failed: cannot connect to https://localhost:\(port)/secure: TLS"))
    _ = try await sink.stop()
  }

  /// A dead sink fed as fast as it fails: the first failure is logged, and the rest are
  /// counted into one summary line (here when the pipeline ends).
  @Test func aDeadSinksRepeatedErrorIsLoggedOnceThenSummarised() async throws {
    let closed = try Tools.freePort()
    let config = Self.post("http://127.0.0.1:\(closed)/", count: 50, arguments: "      retries: 0")
    let run = try await Tools.starling(["run", try OpsPeer.config(config)]).finish()
    #expect(run.status == 0, "\(run.stderr)")
    let failures = run.stderrLines.filter { $0.contains("hook: an event failed: ") }
    #expect(failures.count == 2, "\(run.stderr)")
    #expect(
      failures.first?.contains(
        "cannot connect to http://127.0.0.1:\(closed)/: connection refused (ECONNREFUSED) event=") == true,
      "\(failures)")
    #expect(
      failures.last?.contains("connection refused (ECONNREFUSED) (… 49 more in the last ") == true,
      "\(failures)")
  }

  @Test func jsonLogLinesAreObjectsWithMillisecondTimestamps() async throws {
    let closed = try Tools.freePort()
    let config = Self.post("http://127.0.0.1:\(closed)/", count: 5, arguments: "      retries: 0")
    let run = try await Tools.starling(["run", try OpsPeer.config(config), "--log-format", "json"]).finish()
    #expect(run.status == 0, "\(run.stderr)")
    let records = try run.stderrLines.map {
      try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "\($0)")
    }
    #expect(records.count >= 4)
    for record in records {
      let timestamp = try #require(record["timestamp"] as? String)
      #expect(
        timestamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)/) != nil,
        "\(timestamp)")
      #expect(record["level"] is String && record["message"] is String)
    }
    let failure = try #require(
      records.first { ($0["message"] as? String)?.hasPrefix("an event failed") == true })
    #expect(failure["module"] as? String == "hook")
    #expect(failure["level"] as? String == "error")
    #expect(failure["event"] is String)
    let summary = try #require(records.first { $0["repeated"] != nil })
    #expect(summary["repeated"] as? Int == 4)
  }

  /// A push with no peer gives up after its send_timeout and retries, instead of holding a
  /// graceful stop until the stop timeout.
  @Test func aSocketOutputWithNoPeerFailsAfterItsSendTimeout() async throws {
    let config = """
      settings:
        stop_timeout: 5m
      modules:
        events:
          module: input.generator
          arguments: {interval: 0, count: 2, payload: "event {{n}}"}
        push:
          module: output.push
          arguments:
            dial: \(Tools.ipc("nobody"))
            send_timeout: 50ms
            retries: 1
            backoff_min: 10ms
        failed:
          module: output.stdout
          arguments: {prefix: "failed: "}
      routes:
        - events.outbox -> push.inbox
        - push.failure -> failed.inbox
      """
    let run = try await Tools.starling(["run", try OpsPeer.config(config)]).finish()
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdoutText == "failed: event 1\nfailed: event 2\n")
    #expect(
      run.stderr.contains(
        "push: an event failed: no peer took the message within send_timeout (50ms) (gave up after 2 tries)"),
      "\(run.stderr)")
  }
}
