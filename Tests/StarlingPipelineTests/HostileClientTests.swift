import Foundation
import Testing

@testable import StarlingPipeline

/// `input.tcp` and `input.http` against clients that hold connections: silent ones, ones
/// sending a byte at a time, more than the cap allows, and bodies larger than the limit, over
/// real sockets with short timeouts. Each is closed (an HTTP one with its status first) while
/// a well-behaved client is served.
@Suite(.timeLimit(.minutes(2)))
struct HostileClientTests {
  /// Sends `byte` every 100 ms (what an attacker does; the test's own waits are for events)
  /// until the connection refuses it or the task is cancelled.
  static func drip(_ byte: String, on connection: TestConnection) -> Task<Void, Never> {
    Task {
      while !Task.isCancelled, (try? await connection.send(byte)) != nil {
        try? await Task.sleep(for: .milliseconds(100))
      }
    }
  }

  /// Waits until the log sink `logs` has had a line containing each of `texts`, in any order.
  static func logLines(_ logs: String, containing texts: [String]) async throws {
    var missing = texts
    while !missing.isEmpty {
      let line = try await Harness.receive(1, from: logs)[0]["data.message"]?.stringValue ?? ""
      missing.removeAll { line.contains($0) }
    }
  }

  // MARK: Timeouts

  /// The well-behaved clients' lines are checked where they arrive, in the pipeline: an
  /// answer that took longer than the idle timeout on a loaded machine would find its
  /// connection closed, as documented.
  @Test func tcpClosesIdleAndDrippingConnectionsWhileServingOthers() async throws {
    let sink = Harness.key()
    let yaml = NetworkHarness.serverPipeline("input.tcp", "idle_timeout: 3s, read_timeout: 1s", sink: sink)
    try await NetworkHarness.withPipeline(yaml) { port, logs, _ in
      let idle = try await TestConnection.connect(port: port)
      let dripping = try await TestConnection.connect(port: port)
      let drip = Self.drip("x", on: dripping)
      let good = try await TestConnection.connect(port: port)
      try await good.send("hello\n")
      #expect(try await Harness.receive(1, from: sink).map(\.data) == ["hello"])
      #expect(try await dripping.readsEnd())
      #expect(try await idle.readsEnd())
      drip.cancel()
      try await Self.logLines(
        logs,
        containing: ["no whole frame within read_timeout (1s)", "no frame begun within idle_timeout (3s)"])
      let again = try await TestConnection.connect(port: port)
      try await again.send("again\n")
      #expect(try await Harness.receive(1, from: sink).map(\.data) == ["again"])
      for connection in [idle, dripping, good, again] { await connection.close() }
    }
  }

  @Test func httpAnswers408ToASlowHeadOrBodyAndClosesIdleConnections() async throws {
    let sink = Harness.key()
    let yaml = NetworkHarness.serverPipeline(
      "input.http", "idle_timeout: 3s, header_timeout: 1s, body_timeout: 1s, format: string", sink: sink)
    try await NetworkHarness.withPipeline(yaml) { port, logs, _ in
      let idle = try await TestConnection.connect(port: port)
      let slowHead = try await TestConnection.connect(port: port)
      try await slowHead.send("POST / HTTP/1.1\r\nhost: test\r\nx-slow: ")
      let headDrip = Self.drip("x", on: slowHead)
      let slowBody = try await TestConnection.connect(port: port)
      try await slowBody.send("POST / HTTP/1.1\r\nhost: test\r\ncontent-length: 100\r\n\r\n")
      let bodyDrip = Self.drip("y", on: slowBody)
      // A well-behaved client is served meanwhile. (A machine that stalls this test for the
      // whole idle timeout between connecting and sending would close it: it tries again.)
      var answered: HTTPText.Message?
      var good: [TestConnection] = []
      for _ in 0..<5 where answered == nil {
        let client = try await TestConnection.connect(port: port)
        good.append(client)
        answered = try? await HTTPText.exchange(client, target: "/", body: "hello")
      }
      #expect(answered?.status == 200 && answered?.text == "hello")

      let head = try await HTTPText.response(slowHead)
      #expect(head?.status == 408)
      #expect(head?.text == "no whole request head within header_timeout (1s)")
      #expect(try await slowHead.readsEnd())
      let body = try await HTTPText.response(slowBody)
      #expect(body?.status == 408)
      #expect(body?.text == "no whole request body within body_timeout (1s)")
      #expect(try await slowBody.readsEnd())
      #expect(try await idle.readsEnd())
      headDrip.cancel()
      bodyDrip.cancel()
      try await Self.logLines(
        logs,
        containing: [
          "no whole request head within header_timeout (1s)",
          "no whole request body within body_timeout (1s)",
          "no request begun within idle_timeout (3s)",
        ])
      #expect(try await Harness.receive(1, from: sink).map(\.data) == ["hello"])
      for connection in [idle, slowHead, slowBody] + good { await connection.close() }
    }
  }

  // MARK: The connection cap

  /// Idle connections fill the cap: the next is closed at once (logged with the cap); once a
  /// client lets one go, a real client gets in. (The idle timeout is far longer than any
  /// stall of a loaded machine, so the cap, not the timeout, is what is tested.)
  @Test func connectionsPastTheCapAreClosedUntilOneLeaves() async throws {
    let sink = Harness.key()
    let yaml = NetworkHarness.serverPipeline(
      "input.http", "max_connections: 3, idle_timeout: 10m, format: string", sink: sink)
    try await NetworkHarness.withPipeline(yaml) { port, logs, _ in
      var idle: [TestConnection] = []
      for _ in 0..<3 { idle.append(try await TestConnection.connect(port: port)) }
      let refused = try await TestConnection.connect(port: port)
      #expect(try await refused.readsEnd())
      try await NetworkHarness.logLine(
        logs, containing: "refused 1 connection: 3 are open, the most max_connections allows")
      await idle.removeFirst().close()
      #expect(try await Self.served(port: port, body: "in"))
      for connection in idle + [refused] { await connection.close() }
    }
  }

  /// Idle connections that fill the cap are closed by the idle timeout (logged), and then a
  /// real client gets in.
  @Test func idleConnectionsHoldingTheCapAreClosedInTime() async throws {
    let sink = Harness.key()
    let yaml = NetworkHarness.serverPipeline(
      "input.http", "max_connections: 3, idle_timeout: 1s, format: string", sink: sink)
    try await NetworkHarness.withPipeline(yaml) { port, logs, _ in
      var idle: [TestConnection] = []
      for _ in 0..<3 { idle.append(try await TestConnection.connect(port: port)) }
      for connection in idle { #expect(try await connection.readsEnd()) }
      try await NetworkHarness.logLine(logs, containing: "no request begun within idle_timeout (1s)")
      #expect(try await Self.served(port: port, body: "in"))
      for connection in idle { await connection.close() }
    }
  }

  /// Whether a new client posting `body` gets it echoed. The server counts a connection out
  /// when it has closed it, a moment after its client sees it close: a client turned away in
  /// that moment tries again.
  static func served(port: Int, body: String) async throws -> Bool {
    for _ in 0..<1000 {
      let client = try await TestConnection.connect(port: port)
      let answered = try? await HTTPText.exchange(client, target: "/", body: body)
      await client.close()
      if let answered { return answered.status == 200 && answered.text == body }
    }
    return false
  }

  // MARK: Bodies past max_body

  @Test func aContentLengthPastMaxBodyGets413BeforeAnyBodyIsSent() async throws {
    let sink = Harness.key()
    let yaml = NetworkHarness.serverPipeline("input.http", "max_body: 1000", sink: sink)
    try await NetworkHarness.withPipeline(yaml) { port, logs, _ in
      let client = try await TestConnection.connect(port: port)
      try await client.send("POST / HTTP/1.1\r\nhost: test\r\ncontent-length: 1000000000000\r\n\r\n")
      let response = try await HTTPText.response(client)
      #expect(response?.status == 413)
      #expect(response?.headers["connection"] == "close")
      #expect(try await client.readsEnd())
      try await NetworkHarness.logLine(
        logs, containing: "body exceeds max_body (1000 bytes): 1000000000000 bytes declared")
      await client.close()
    }
  }

  @Test func aChunkedBodyGets413AsSoonAsItPassesMaxBody() async throws {
    let sink = Harness.key()
    let yaml = NetworkHarness.serverPipeline("input.http", "max_body: 10000", sink: sink)
    try await NetworkHarness.withPipeline(yaml) { port, logs, _ in
      let client = try await TestConnection.connect(port: port)
      try await client.send("POST / HTTP/1.1\r\nhost: test\r\ntransfer-encoding: chunked\r\n\r\n")
      // A body that goes on for ever, a kilobyte a chunk.
      let chunk = "400\r\n" + String(repeating: "z", count: 1024) + "\r\n"
      let sender = Task {
        while !Task.isCancelled, (try? await client.send(chunk)) != nil {}
      }
      let response = try await HTTPText.response(client)
      sender.cancel()
      #expect(response?.status == 413)
      #expect(try await client.readsEnd())
      try await NetworkHarness.logLine(
        logs, containing: "body exceeds max_body (10000 bytes): the body so far is larger")
      await client.close()
      _ = await sender.value
      let good = try await TestConnection.connect(port: port)
      #expect(try await HTTPText.exchange(good, target: "/", body: "small")?.status == 200)
      await good.close()
    }
  }
}
