import StarlingHTTP
import Testing

@testable import StarlingPipeline

/// `input.websocket` and `output.websocket` against StarlingHTTP's WebSocket client and server.
@Suite(.timeLimit(.minutes(5))) struct WebSocketModulesTests {
  static func echoPipeline(_ arguments: String, sink: String) -> (String) -> String {
    { logs in
      """
      modules:
        chat:
          module: input.websocket
          arguments: {listen: "127.0.0.1:0", \(arguments)}
        answer:
          module: test.reply
          arguments: {key: \(sink)}
        logs:
          module: test.collect
          arguments: {key: \(logs)}
      routes:
        - chat.outbox -> answer.inbox
        - _logs.outbox -> logs.inbox
      """
    }
  }

  @Test func eachMessageIsAnEventAndTheReplyGoesBackOnItsConnection() async throws {
    let sink = Harness.key()
    try await NetworkHarness.withPipeline(Self.echoPipeline("path: /chat, subprotocols: [chat]", sink: sink))
    { port, _, _ in
      let socket = try await WebSocket.connect(
        "ws://127.0.0.1:\(port)/chat/room", subprotocols: ["x", "chat"])
      #expect(socket.subprotocol == "chat")
      try await socket.send(text: "hello")
      try await socket.send(binary: [1, 2, 3])
      var messages = socket.messages.makeAsyncIterator()
      #expect(try await messages.next() == .text("hello"))
      #expect(try await messages.next() == .binary(ByteBuffer(bytes: [1, 2, 3])))
      let events = try await Harness.receive(2, from: sink)
      #expect(events[0].data == "hello")
      #expect(events[0]["header.websocket.type"] == "text")
      #expect(events[0]["header.websocket.path"] == "/chat/room")
      #expect(events[0]["header.websocket.subprotocol"] == "chat")
      #expect(events[1].data == .bytes([1, 2, 3]))
      #expect(events[1]["header.websocket.type"] == "binary")
      // A second connection's replies go to it, and the first's still to the first.
      let other = try await WebSocket.connect("ws://127.0.0.1:\(port)/chat/lobby", subprotocols: ["chat"])
      try await other.send(text: "other")
      var otherMessages = other.messages.makeAsyncIterator()
      #expect(try await otherMessages.next() == .text("other"))
      try await socket.send(text: "again")
      #expect(try await messages.next() == .text("again"))
      await other.close()
      await socket.close()
    }
  }

  @Test func jsonMessagesAreParsedAndBadOnesDroppedWithoutClosing() async throws {
    let sink = Harness.key()
    try await NetworkHarness.withPipeline(Self.echoPipeline("format: json", sink: sink)) { port, logs, _ in
      let socket = try await WebSocket.connect("ws://127.0.0.1:\(port)/")
      try await socket.send(text: "{nope")
      try await socket.send(text: #"{"a": [1, true]}"#)
      var messages = socket.messages.makeAsyncIterator()
      #expect(try await messages.next() == .text(#"{"a":[1,true]}"#))
      try await NetworkHarness.logLine(logs, containing: "dropped a message")
      let events = try await Harness.receive(1, from: sink)
      #expect(events[0].data == ["a": [1, true]])
      await socket.close()
    }
  }

  @Test func anOversizeMessageClosesOnlyItsConnection() async throws {
    let sink = Harness.key()
    try await NetworkHarness.withPipeline(Self.echoPipeline("max_message: 100", sink: sink)) {
      port, logs, _ in
      let big = try await WebSocket.connect("ws://127.0.0.1:\(port)/")
      try await big.send(text: String(repeating: "x", count: 500))
      var bigMessages = big.messages.makeAsyncIterator()
      await #expect(throws: WebSocketError.self) { _ = try await bigMessages.next() }
      #expect(big.closeCode == .messageTooBig)
      try await NetworkHarness.logLine(logs, containing: "1009")
      let small = try await WebSocket.connect("ws://127.0.0.1:\(port)/")
      try await small.send(text: "fits")
      var messages = small.messages.makeAsyncIterator()
      #expect(try await messages.next() == .text("fits"))
      await small.close()
    }
  }

  /// Runs `body` with a WebSocket server on a free port whose received messages arrive in
  /// `received`; it refuses its first `refusals` upgrades with 403.
  static func withReceivingServer(
    refusing refusals: Int = 0,
    _ body: (_ port: Int, _ received: AsyncStream<WebSocketMessage>) async throws -> Void
  ) async throws {
    let server = try await HTTPServer.listen("http://127.0.0.1:0")
    let (received, receiving) = AsyncStream.makeStream(of: WebSocketMessage.self)
    let serving = Task {
      var upgrades = 0
      for await request in server.requests {
        upgrades += 1
        guard upgrades > refusals else {
          try? await request.reply(status: .forbidden, body: "not yet")
          continue
        }
        guard let socket = try? await request.upgradeToWebSocket() else { continue }
        Task {
          for try await message in socket.messages { receiving.yield(message) }
        }
      }
    }
    defer {
      server.close()
      serving.cancel()
    }
    try await body(server.address.port, received)
  }

  @Test func outputWebSocketSendsEachEvent() async throws {
    try await Self.withReceivingServer { port, received in
      let pipeline = try NetworkHarness.pipeline(
        """
        modules:
          source:
            module: input.generator
            arguments: {interval: 1ms, count: 3, payload: "event {{n}}"}
          push:
            module: output.websocket
            arguments: {url: "ws://127.0.0.1:\(port)/in"}
        routes:
          - source.outbox -> push.inbox
        """)
      try await pipeline.run()
      var messages = received.makeAsyncIterator()
      var texts: [String] = []
      for _ in 0..<3 { texts.append(await messages.next()?.text ?? "") }
      #expect(texts == ["event 1", "event 2", "event 3"])
    }
  }

  /// An event that cannot be sent goes to `failure` with the reason, and the next event
  /// connects again.
  @Test func outputWebSocketFailsAnEventItCannotSendAndConnectsAgain() async throws {
    try await Self.withReceivingServer(refusing: 1) { port, received in
      let failures = Harness.key("failures")
      let pipeline = try NetworkHarness.pipeline(
        """
        modules:
          source:
            module: input.generator
            arguments: {interval: 0, count: 2, payload: "event {{n}}"}
          push:
            module: output.websocket
            arguments: {url: "ws://127.0.0.1:\(port)/in"}
          failed:
            module: test.collect
            arguments: {key: \(failures)}
        routes:
          - source.outbox -> push.inbox
          - push.failure -> failed.inbox
        """)
      try await pipeline.run()
      let failed = try await Harness.receive(1, from: failures)
      #expect(failed[0].data == "event 1")
      #expect(failed[0].error?.message.contains("403") == true, "\(String(describing: failed[0].error))")
      var messages = received.makeAsyncIterator()
      #expect(await messages.next()?.text == "event 2")
    }
  }

  @Test func outputWebSocketRefusesURLsItCannotServe() {
    for url in ["http://127.0.0.1:80/", "ws://127.0.0.1:99999/", "tcp://127.0.0.1:5"] {
      #expect(throws: (any Error).self) {
        try NetworkHarness.pipeline(
          """
          modules:
            push:
              module: output.websocket
              arguments: {url: "\(url)"}
          """)
      }
    }
  }
}
