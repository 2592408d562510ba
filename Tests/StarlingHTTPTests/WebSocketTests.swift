import Foundation
import StarlingHTTP
import Testing

import struct StarlingChannels.Lock

/// WebSockets against Python's `websockets` (both ways), against a raw peer breaking the
/// protocol, and in headless Chromium.
@Suite(.timeLimit(.minutes(5))) struct WebSocketTests {
  /// Echoes every message of an upgraded request, choosing `chat` when the client offers it.
  static func echo(_ request: HTTPRequest) async throws {
    guard request.isWebSocketUpgrade else {
      return try await request.reply(body: "plain")
    }
    let chosen = request.webSocketSubprotocols.first { $0 == "chat" }
    let socket = try await request.upgradeToWebSocket(subprotocol: chosen)
    for try await message in socket.messages {
      switch message {
      case .text(let text): try await socket.send(text: text)
      case .binary(let bytes): try await socket.send(binary: bytes)
      }
    }
  }

  @Test func pythonClientTalksToTheServer() async throws {
    try await TestServer.with(handle: Self.echo) { server in
      let peer = try Program.peer(
        "ws_peer.py", ["client", "ws://127.0.0.1:\(server.port)/echo", "x", "chat"])
      #expect(try await peer.line("AGREED") == "AGREED chat")
      #expect(try await peer.line("PONG") == "PONG", "pings are answered")
      let received = try await peer.lines("TEXT", count: 3) + [try await peer.line("BINARY")]
      #expect(received == ["TEXT hello", "TEXT frag-ment-ed", "TEXT bye", "BINARY 000102ff"])
      #expect(try await peer.line("CLOSED") == "CLOSED 1000")
      let outcome = await peer.finish()
      #expect(outcome.status == 0, "\(outcome.stderr)")
    }
  }

  @Test func starlingClientTalksToAPythonServer() async throws {
    let peer = try Program.peer("ws_peer.py", ["server", "chat"])
    let port = try await peer.line("PORT").dropFirst(5)
    let socket = try await WebSocket.connect("ws://127.0.0.1:\(port)/", subprotocols: ["chat", "other"])
    #expect(socket.subprotocol == "chat")
    try await socket.send(text: "hello")
    try await socket.send(binary: [1, 2, 3])
    var messages = socket.messages.makeAsyncIterator()
    #expect(try await messages.next() == .text("hello"))
    #expect(try await messages.next() == .binary(ByteBuffer(bytes: [1, 2, 3])))
    #expect(try await peer.line("BINARY") == "BINARY 010203")
    await socket.close(code: .normalClosure, reason: "done")
    #expect(socket.closeCode == .normalClosure)
    #expect(try await messages.next() == nil, "the messages end after a normal close")
    #expect(try await peer.line("CLOSED") == "CLOSED 1000 done")
    _ = await peer.finish()
  }

  @Test func starlingClientTalksToTheStarlingServer() async throws {
    try await TestServer.with(handle: Self.echo) { server in
      let socket = try await WebSocket.connect("ws://127.0.0.1:\(server.port)/echo")
      #expect(socket.subprotocol == nil)
      let big = String(repeating: "ü", count: 100_000)
      try await socket.send(text: big)
      var messages = socket.messages.makeAsyncIterator()
      #expect(try await messages.next() == .text(big))
      await socket.close()
      #expect(try await messages.next() == nil)
    }
  }

  @Test func anUpgradeWithoutTheOfferedSubprotocolIsRefused() async throws {
    let refusal = Lock<(any Error)?>.make(nil)
    try await TestServer.with { request in
      do {
        _ = try await request.upgradeToWebSocket(subprotocol: "chat")
      } catch {
        refusal.withLock { $0 = error }
      }
    } _: { server in
      await #expect(throws: WebSocketError.self) {
        try await WebSocket.connect("ws://127.0.0.1:\(server.port)/", subprotocols: ["other"])
      }
      _ = try await server.log.line(containing: "refused the WebSocket upgrade", "did not offer")
    }
    let refused = refusal.withLock { $0 as? HTTPError }
    #expect(refused == .notAWebSocketUpgrade(reason: "the client did not offer the subprotocol 'chat'"))
  }

  @Test func aPlainRequestCannotBeUpgraded() async throws {
    try await TestServer.with { request in
      _ = try await request.upgradeToWebSocket()
    } _: { server in
      let result = try await curl("-i", "\(server.url)/")
      #expect(result.stdout.hasPrefix("HTTP/1.1 400 Bad Request"), "\(result.stdout)")
      _ = try await server.log.line(containing: "refused the WebSocket upgrade")
    }
  }

  @Test func wssReachesAnHTTPSServer() async throws {
    let certificate = try await SelfSignedCertificate.make()
    var configuration = HTTPServer.Configuration()
    configuration.tls = TLSOptions(
      certificate: .file(certificate.certificate), privateKey: .file(certificate.key))
    try await TestServer.with(configuration, scheme: "https", handle: Self.echo) { server in
      var client = WebSocket.Configuration()
      client.tls = TLSOptions(trustRoots: .file(certificate.certificate))
      let socket = try await WebSocket.connect(
        "wss://127.0.0.1:\(server.port)/echo", subprotocols: ["chat"], configuration: client)
      #expect(socket.subprotocol == "chat")
      try await socket.send(text: "over tls")
      var messages = socket.messages.makeAsyncIterator()
      #expect(try await messages.next() == .text("over tls"))
      await socket.close()
      // A client that does not trust the certificate does not connect.
      await #expect(throws: SPError.self) {
        try await WebSocket.connect("wss://127.0.0.1:\(server.port)/echo")
      }
    }
  }

  @Test func aGracefulStopClosesWebSocketsWith1001() async throws {
    let server = try await HTTPServer.listen("http://127.0.0.1:0")
    let serving = Task {
      await withDiscardingTaskGroup { group in
        for await request in server.requests {
          group.addTask { try? await Self.echo(request) }
        }
      }
    }
    let socket = try await WebSocket.connect("ws://127.0.0.1:\(server.address.port)/echo")
    try await socket.send(text: "before the stop")
    var messages = socket.messages.makeAsyncIterator()
    #expect(try await messages.next() == .text("before the stop"))
    async let stopped: Void = server.stop()
    #expect(try await messages.next() == nil, "1001 ends the messages normally")
    #expect(socket.closeCode == .goingAway)
    await stopped
    await serving.value
    #expect(server.connectionCount == 0)
  }

  @Test func answeredKeepAlivePingsKeepTheConnection() async throws {
    var configuration = HTTPServer.Configuration()
    // Pings come often; each may wait far longer for its answer than a loaded machine stalls
    // the test (a 5 s interval without a timeout of its own once closed the connection).
    configuration.webSocket.pingInterval = .milliseconds(100)
    configuration.webSocket.pongTimeout = .seconds(60)
    try await TestServer.with(configuration, handle: Self.echo) { server in
      let connection = try await RawWebSocket.open(port: server.port, path: "/echo")
      // A second ping comes only once the first was answered.
      for _ in 1...2 {
        let ping = try await RawWebSocket.nextFrame(on: connection)
        #expect(ping.opcode == 0x9)
        try await connection.send(RawWebSocket.frame(0xA, ping.payload))
      }
      try await connection.send(RawWebSocket.frame(0x1, Array("still open".utf8)))
      var echo = try await RawWebSocket.nextFrame(on: connection)
      while echo.opcode == 0x9 { echo = try await RawWebSocket.nextFrame(on: connection) }
      #expect(echo.opcode == 0x1 && echo.payload == Array("still open".utf8))
      await connection.close()
    }
  }

  /// The client's end: pings from the server are answered, and a server that masks its frames
  /// is closed with 1002 and logged.
  @Test func theClientAnswersPingsAndClosesAMaskedServerFrameWith1002() async throws {
    let peer = try Program.peer("ws_raw_server.py", [])
    let port = try await peer.line("PORT").dropFirst(5)
    let log = LogCapture()
    var configuration = WebSocket.Configuration()
    configuration.logger = log.logger()
    let socket = try await WebSocket.connect("ws://127.0.0.1:\(port)/", configuration: configuration)
    #expect(try await peer.line("PONG") == "PONG are you there")
    var messages = socket.messages.makeAsyncIterator()
    await #expect(throws: WebSocketError.closed(code: .protocolError, reason: "a masked frame from a server"))
    {
      _ = try await messages.next()
    }
    #expect(try await peer.line("CLOSE") == "CLOSE 1002")
    _ = try await log.line(containing: "1002", "a masked frame from a server")
    let outcome = await peer.finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
  }

  // MARK: Protocol violations

  /// Sends `frames` after an upgrade: the close code the server answers with.
  static func closeCode(for frames: [UInt8], server: TestServer) async throws -> UInt16? {
    let connection = try await RawWebSocket.open(port: server.port, path: "/echo")
    try await connection.send(frames)
    return RawWebSocket.closeCode(in: try await connection.readAll())
  }

  /// After a violation, the server still echoes for a well-behaved client.
  static func stillServes(_ server: TestServer) async throws {
    let socket = try await WebSocket.connect("ws://127.0.0.1:\(server.port)/echo")
    try await socket.send(text: "still here")
    var messages = socket.messages.makeAsyncIterator()
    #expect(try await messages.next() == .text("still here"))
    await socket.close()
  }

  @Test func anUnmaskedClientFrameCloses1002() async throws {
    try await TestServer.with(handle: Self.echo) { server in
      let code = try await Self.closeCode(
        for: RawWebSocket.frame(0x1, Array("hi".utf8), mask: nil), server: server)
      #expect(code == 1002)
      _ = try await server.log.line(containing: "1002", "an unmasked frame from a client")
      try await Self.stillServes(server)
    }
  }

  @Test func badUTF8TextCloses1007() async throws {
    try await TestServer.with(handle: Self.echo) { server in
      let code = try await Self.closeCode(for: RawWebSocket.frame(0x1, [0x68, 0xc3, 0x28]), server: server)
      #expect(code == 1007)
      _ = try await server.log.line(containing: "1007", "not UTF-8")
      try await Self.stillServes(server)
    }
  }

  @Test func anOversizeMessageCloses1009() async throws {
    var configuration = HTTPServer.Configuration()
    configuration.webSocket.maxMessageSize = 1000
    try await TestServer.with(configuration, handle: Self.echo) { server in
      // Fragments, each under the limit, joined past it.
      let fragments =
        RawWebSocket.frame(0x2, Array(repeating: 1, count: 600), fin: false)
        + RawWebSocket.frame(0x0, Array(repeating: 2, count: 600))
      #expect(try await Self.closeCode(for: fragments, server: server) == 1009)
      _ = try await server.log.line(containing: "1009", "a message longer than the 1000-byte limit")
      // One frame past the limit.
      let frame = RawWebSocket.frame(0x2, Array(repeating: 3, count: 2000))
      #expect(try await Self.closeCode(for: frame, server: server) == 1009)
      try await Self.stillServes(server)
    }
  }

  @Test func reservedBitsAndStrayContinuationsClose1002() async throws {
    try await TestServer.with(handle: Self.echo) { server in
      #expect(
        try await Self.closeCode(for: RawWebSocket.frame(0x1, [0x61], reserved: 0b100), server: server)
          == 1002)
      #expect(try await Self.closeCode(for: RawWebSocket.frame(0x0, [0x61]), server: server) == 1002)
      #expect(try await Self.closeCode(for: RawWebSocket.frame(0x3, [0x61]), server: server) == 1002)
      _ = try await server.log.line(containing: "1002", "continuation frame with no message")
      try await Self.stillServes(server)
    }
  }

  @Test func aPeerThatNeverAnswersTheKeepAlivePingIsClosed() async throws {
    var configuration = HTTPServer.Configuration()
    // Long enough that the well-behaved client of `stillServes` answers its pings in time on a
    // loaded machine (under ThreadSanitizer a 300 ms interval closed it too).
    configuration.webSocket.pingInterval = .seconds(3)
    try await TestServer.with(configuration, handle: Self.echo) { server in
      let connection = try await RawWebSocket.open(port: server.port, path: "/echo")
      // Reads (so pings arrive) but never answers them.
      let received = try await connection.readAll()
      #expect(received.first == 0x89, "a ping came first")
      _ = try await server.log.line(containing: "no answer to a keep-alive ping")
      try await Self.stillServes(server)
    }
  }

  /// With a pong timeout, an unanswered ping closes the connection after that timeout, and no
  /// second ping is sent while the first waits (pings are due every 50 ms here).
  @Test func aPingUnansweredWithinThePongTimeoutClosesWithNoPingAfterIt() async throws {
    var configuration = HTTPServer.Configuration()
    configuration.webSocket.pingInterval = .milliseconds(50)
    configuration.webSocket.pongTimeout = .milliseconds(500)
    try await TestServer.with(configuration, handle: Self.echo) { server in
      let connection = try await RawWebSocket.open(port: server.port, path: "/echo")
      let received = try await connection.readAll()
      // The server's frames are unmasked and short: an opcode byte, a length byte, the payload.
      var opcodes: [UInt8] = []
      var index = 0
      while index + 1 < received.count {
        opcodes.append(received[index])
        index += 2 + Int(received[index + 1] & 0x7f)
      }
      #expect(opcodes.filter { $0 == 0x89 }.count == 1, "one ping, then none while it waited: \(opcodes)")
      _ = try await server.log.line(containing: "no answer to a keep-alive ping within 0.5 seconds")
      try await Self.stillServes(server)
    }
  }

  // MARK: A browser

  static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

  static let page = """
    <!doctype html>
    <title>echo</title>
    <script>
    const socket = new WebSocket(`ws://${location.host}/echo`, ["chat"]);
    socket.onopen = () => socket.send("hello from chromium");
    socket.onmessage = (event) => {
      if (event.data.startsWith("echo: ")) socket.send(`shown: ${event.data} (${socket.protocol})`);
    };
    </script>
    """

  @Test(.enabled(if: chromium != nil, "chromium is not installed (scripts/test.sh installs it)"))
  func chromiumExchangesMessages() async throws {
    let (reports, report) = AsyncStream.makeStream(of: String.self)
    try await TestServer.with { request in
      guard request.isWebSocketUpgrade else {
        return try await request.reply(headers: ["content-type": "text/html"], body: Self.page)
      }
      let socket = try await request.upgradeToWebSocket(subprotocol: request.webSocketSubprotocols.first)
      for try await message in socket.messages {
        guard let text = message.text else { continue }
        if text.hasPrefix("shown: ") {
          report.yield(text)
          await socket.close()
        } else {
          try await socket.send(text: "echo: \(text)")
        }
      }
    } _: { server in
      let profile = FileManager.default.temporaryDirectory.appendingPathComponent(
        "starling-chromium-\(UUID().uuidString.prefix(8))")
      defer { try? FileManager.default.removeItem(at: profile) }
      let browser = try Program(
        Self.chromium!,
        [
          "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile.path)",
          "\(server.url)/",
        ])
      defer { browser.kill() }
      let watchdog = Task {
        try await Task.sleep(for: .seconds(60))
        report.yield("no report from the page within 60 s")
      }
      defer { watchdog.cancel() }
      var iterator = reports.makeAsyncIterator()
      #expect(await iterator.next() == "shown: echo: hello from chromium (chat)")
    }
  }
}
