import Foundation
import NIOCore
import NIOPosix
import StarlingChannels
import Testing

@testable import StarlingPipeline

@Suite("Network modules: TCP, UDP and HTTP", .timeLimit(.minutes(5)))
struct NetworkModulesTests {
  // MARK: input.tcp

  @Test func tcpInputTurnsLinesIntoEventsAndAnswersOnTheConnection() async throws {
    let sink = Harness.key()
    try await NetworkHarness.withPipeline({ logs in
      """
      modules:
        server:
          module: input.tcp
          arguments: {listen: "127.0.0.1:0"}
        answer:
          module: test.reply
          arguments: {key: \(sink), prefix: "echo "}
      \(NetworkHarness.logRoute(logs))
      routes:
        - server.outbox -> answer.inbox
        - _logs.outbox -> logs.inbox
      """
    }) { port, _, _ in
      let client = try await TestConnection.connect(port: port)
      try await client.send("hello\r\nwörld\n")
      #expect(try await client.readLine() == "echo hello")
      #expect(try await client.readLine() == "echo wörld")
      let events = try await Harness.receive(2, from: sink)
      #expect(events.map(\.data) == ["hello", "wörld"])
      let peer = events[0]["header.tcp.peer"]?.stringValue ?? ""
      #expect(peer.hasPrefix("127.0.0.1:") && peer != "127.0.0.1:\(port)")
      #expect(events[0].reply?.origin == "tcp \(peer)")
      await client.close()
    }
  }

  @Test func tcpInputReadsLengthPrefixedJSONAndDropsWhatIsNotJSON() async throws {
    let sink = Harness.key()
    try await NetworkHarness.withPipeline({ logs in
      """
      modules:
        server:
          module: input.tcp
          arguments: {listen: "127.0.0.1:0", framing: length, format: json}
        answer:
          module: test.reply
          arguments: {key: \(sink)}
      \(NetworkHarness.logRoute(logs))
      routes:
        - server.outbox -> answer.inbox
        - _logs.outbox -> logs.inbox
      """
    }) { port, logs, _ in
      let client = try await TestConnection.connect(port: port)
      try await client.sendFrame(Array(#"{"a": [1, 2]}"#.utf8))
      try await client.sendFrame(Array("not json".utf8))
      try await client.sendFrame(Array("42".utf8))
      #expect(try await client.readFrame().map { String(decoding: $0, as: UTF8.self) } == #"{"a":[1,2]}"#)
      #expect(try await client.readFrame().map { String(decoding: $0, as: UTF8.self) } == "42")
      let dropped = try await NetworkHarness.logLine(logs, containing: "dropped a message")
      #expect(dropped.contains("invalid JSON"))
      let events = try await Harness.receive(2, from: sink)
      #expect(events.map(\.data) == [["a": [1, 2]], 42])
      await client.close()
    }
  }

  @Test func anOversizeFrameClosesOnlyItsConnection() async throws {
    try await NetworkHarness.withPipeline({ logs in
      """
      modules:
        server:
          module: input.tcp
          arguments: {listen: "127.0.0.1:0", max_frame: 16}
        answer:
          module: test.reply
      \(NetworkHarness.logRoute(logs))
      routes:
        - server.outbox -> answer.inbox
        - _logs.outbox -> logs.inbox
      """
    }) { port, logs, _ in
      let good = try await TestConnection.connect(port: port)
      let bad = try await TestConnection.connect(port: port)
      try await good.send("short\n")
      #expect(try await good.readLine() == "short")
      try await bad.send(String(repeating: "x", count: 40))
      #expect(try await bad.readsEnd())
      let line = try await NetworkHarness.logLine(logs, containing: "closing the connection")
      #expect(line.contains("exceeds max_frame (16 bytes)"))
      let long = try await TestConnection.connect(port: port)
      try await long.send(String(repeating: "y", count: 20) + "\n")
      #expect(try await long.readsEnd())
      try await good.send("still here\n")
      #expect(try await good.readLine() == "still here")
      await good.close()
    }
  }

  @Test func aConnectionDyingMidFrameIsLoggedAndOthersAreServed() async throws {
    try await NetworkHarness.withPipeline({ logs in
      """
      modules:
        server:
          module: input.tcp
          arguments: {listen: "127.0.0.1:0", framing: length}
        answer:
          module: test.reply
      \(NetworkHarness.logRoute(logs))
      routes:
        - server.outbox -> answer.inbox
        - _logs.outbox -> logs.inbox
      """
    }) { port, logs, _ in
      let dying = try await TestConnection.connect(port: port)
      try await dying.send([0, 0, 0, 100] + Array(repeating: 7, count: 10))
      await dying.close()
      let line = try await NetworkHarness.logLine(logs, containing: "closing the connection")
      #expect(line.contains("middle of a frame (14 bytes discarded)"))
      let other = try await TestConnection.connect(port: port)
      try await other.sendFrame(Array("fine".utf8))
      #expect(try await other.readFrame() == Array("fine".utf8))
      await other.close()
    }
  }

  @Test func aSlowConsumerMakesTheSenderWaitAndNoLineIsLost() async throws {
    let sink = Harness.key()
    let count = 3000
    try await NetworkHarness.withPipeline({ logs in
      """
      settings:
        queue_size: 4
      modules:
        server:
          module: input.tcp
          arguments: {listen: "127.0.0.1:0"}
        slow:
          module: test.collect
          arguments: {key: \(sink), delay: 1ms}
      \(NetworkHarness.logRoute(logs))
      routes:
        - server.outbox -> slow.inbox
        - _logs.outbox -> logs.inbox
      """
    }) { port, _, pipeline in
      let client = try await TestConnection.connect(port: port)
      let lines = (1...count).map { "line \($0) " + String(repeating: "p", count: 200) + "\n" }.joined()
      try await client.send(lines)
      let events = try await Harness.receive(count, from: sink, timeout: .seconds(90))
      #expect(
        events.map(\.data.stringValue)
          == (1...count).map { "line \($0) " + String(repeating: "p", count: 200) })
      let route = pipeline.statistics.first { $0.name == "server.outbox -> slow.inbox" }
      #expect(route?.dropped == 0)
      #expect(route?.received == count)
      await client.close()
    }
  }

  @Test func aGracefulStopStillAnswersAcceptedLinesThenCloses() async throws {
    let sink = Harness.key()
    let gate = Harness.key("gate")
    let logs = Harness.key("logs")
    let pipeline = try NetworkHarness.pipeline(
      """
      modules:
        server:
          module: input.tcp
          arguments: {listen: "127.0.0.1:0"}
        answer:
          module: test.reply
          arguments: {key: \(sink), gate: \(gate)}
      \(NetworkHarness.logRoute(logs))
      routes:
        - server.outbox -> answer.inbox
        - _logs.outbox -> logs.inbox
      """)
    let running = Harness.start(pipeline)
    let port = try await NetworkHarness.port(logs: logs)
    let client = try await TestConnection.connect(port: port)
    try await client.send("before stop\n")
    _ = try await Harness.receive(1, from: sink)
    pipeline.stop()
    try await NetworkHarness.gate(gate).send(())
    #expect(try await client.readLine() == "before stop")
    #expect(try await client.readsEnd())
    try await running.value
    await #expect(throws: (any Error).self) { try await TestConnection.connect(port: port) }
  }

  @Test func badListenAddressesAreConfigErrors() {
    for (listen, reason) in [
      ("localhost", "has no port"), ("127.0.0.1:99999", "no valid port"), ("udp://1.2.3.4:5", "scheme udp"),
    ] {
      let errors = Harness.errors(
        """
        modules:
          server:
            module: input.tcp
            arguments: {listen: "\(listen)"}
          sink:
            module: output.null
        routes:
          - server.outbox -> sink.inbox
        """)
      #expect(errors.count == 1)
      #expect(errors.first?.description.contains(reason) == true, "\(errors)")
    }
  }

  @Test func aListenAddressInUseStopsTheStartWithTheReason() async throws {
    let taken = try await TestServer.start()
    let pipeline = try NetworkHarness.pipeline(
      """
      modules:
        server:
          module: input.tcp
          arguments: {listen: "127.0.0.1:\(taken.port)"}
        sink:
          module: output.null
      routes:
        - server.outbox -> sink.inbox
      """)
    await #expect {
      try await pipeline.run()
    } throws: { error in
      "\(error)".contains("module 'server' failed to start") && "\(error)".lowercased().contains("in use")
    }
    await taken.close()
  }

  // MARK: output.tcp

  @Test func tcpOutputWritesFramesAndConnectsAgainAfterARefusal() async throws {
    let failures = Harness.key("failures")
    let target = try await NetworkHarness.freePort()
    let events = Harness.key("events")
    try await NetworkHarness.withPipeline({ logs in
      """
      modules:
        source:
          module: input.tcp
          arguments: {listen: "127.0.0.1:0"}
        forward:
          module: output.tcp
          arguments: {address: "127.0.0.1:\(target)", framing: length, selection: data}
        failed:
          module: test.collect
          arguments: {key: \(failures)}
        done:
          module: test.collect
          arguments: {key: \(events)}
      \(NetworkHarness.logRoute(logs))
      routes:
        - source.outbox -> forward.inbox
        - forward.failure -> failed.inbox
        - forward.success -> done.inbox
        - _logs.outbox -> logs.inbox
      """
    }) { port, _, _ in
      let client = try await TestConnection.connect(port: port)
      try await client.send("refused\n")
      let failed = try await Harness.receive(1, from: failures)
      #expect(failed[0].data == "refused")
      #expect(failed[0].error?.message.contains("cannot connect to 127.0.0.1:\(target)") == true)
      let server = try await TestServer.start(port: target)
      try await client.send("first\nsecond\n")
      _ = try await Harness.receive(2, from: events)
      let bytes = try await server.bytes(atLeast: 4 + 5 + 4 + 6)
      #expect(bytes == [0, 0, 0, 5] + Array("first".utf8) + [0, 0, 0, 6] + Array("second".utf8))
      #expect(server.connections == 1)
      await server.close()
      await client.close()
    }
  }

  // MARK: UDP

  @Test func udpInputMakesAnEventPerDatagramAndAnswersTheSender() async throws {
    let sink = Harness.key()
    try await NetworkHarness.withPipeline({ logs in
      """
      modules:
        datagrams:
          module: input.udp
          arguments: {listen: "127.0.0.1:0", format: json}
        answer:
          module: test.reply
          arguments: {key: \(sink)}
      \(NetworkHarness.logRoute(logs))
      routes:
        - datagrams.outbox -> answer.inbox
        - _logs.outbox -> logs.inbox
      """
    }) { port, logs, _ in
      let client = try await TestDatagrams.open()
      try await client.send("{broken", to: port)
      try await NetworkHarness.logLine(logs, containing: "dropped a datagram")
      try await client.send(#"{"n": 1}"#, to: port)
      #expect(try await client.receive() == #"{"n":1}"#)
      let events = try await Harness.receive(1, from: sink)
      #expect(events[0].data == ["n": 1])
      #expect(events[0]["header.udp.peer"]?.stringValue == "127.0.0.1:\(client.port)")
      await client.close()
    }
  }

  @Test func udpOutputSendsEachEventAsADatagram() async throws {
    let receiver = try await TestDatagrams.open()
    let pipeline = try NetworkHarness.pipeline(
      """
      modules:
        source:
          module: input.generator
          arguments: {interval: 0, count: 3, payload: {n: 1}}
        datagrams:
          module: output.udp
          arguments: {address: "127.0.0.1:\(receiver.port)"}
      routes:
        - source.outbox -> datagrams.inbox
      """)
    try await pipeline.run()
    for _ in 0..<3 { #expect(try await receiver.receive() == #"{"n":1}"#) }
    await receiver.close()
  }

  // MARK: input.http

  func httpPipeline(_ arguments: String, sink: String, answer: String = "test.reply") -> (String) -> String {
    NetworkHarness.serverPipeline("input.http", arguments, sink: sink, answer: answer)
  }

  @Test func httpInputTurnsRequestsIntoEventsAndAnswersWithTheReply() async throws {
    let sink = Harness.key()
    try await NetworkHarness.withPipeline(httpPipeline("path: /api", sink: sink)) { port, _, _ in
      let client = try await TestConnection.connect(port: port)
      let first = try await HTTPText.exchange(
        client, target: "/api/items?name=a%20b&x",
        headers: ["content-type": "application/json", "X-Trace": "7"],
        body: #"{"id": 3}"#)
      #expect(first?.status == 200)
      #expect(first?.headers["content-type"] == "application/json")
      #expect(first?.text == #"{"id":3}"#)
      let second = try await HTTPText.exchange(client, target: "/api/text", body: "plain words")
      #expect(second?.status == 200)
      #expect(second?.headers["content-type"] == "text/plain; charset=utf-8")
      #expect(second?.text == "plain words")
      let events = try await Harness.receive(2, from: sink)
      #expect(events[0].data == ["id": 3])
      #expect(events[0]["header.http.method"] == "POST")
      #expect(events[0]["header.http.path"] == "/api/items")
      #expect(events[0]["header.http.query"] == ["name": "a b", "x": ""])
      #expect(events[0]["header.http.headers.x-trace"] == "7")
      #expect(events[1].data == "plain words")
      let missing = try await HTTPText.exchange(client, method: "GET", target: "/other")
      #expect(missing?.status == 404)
      await client.close()
    }
  }

  @Test func httpInputRefusesOversizeBodiesAndBadJSONAndKeepsServing() async throws {
    let sink = Harness.key()
    try await NetworkHarness.withPipeline(httpPipeline("max_body: 10, format: json", sink: sink)) {
      port, logs, _ in
      let big = try await TestConnection.connect(port: port)
      let refused = try await HTTPText.exchange(big, target: "/", body: String(repeating: "1", count: 50))
      #expect(refused?.status == 413)
      #expect(try await big.readsEnd())
      try await NetworkHarness.logLine(logs, containing: "body exceeds max_body (10 bytes)")
      let client = try await TestConnection.connect(port: port)
      let bad = try await HTTPText.exchange(client, target: "/", body: "{nope")
      #expect(bad?.status == 400)
      #expect(bad?.text.contains("invalid JSON") == true)
      try await NetworkHarness.logLine(logs, containing: "invalid JSON")
      let good = try await HTTPText.exchange(client, target: "/", body: "[1]")
      #expect(good?.status == 200)
      #expect(good?.text == "[1]")
      await client.close()
    }
  }

  @Test func aMalformedRequestGets400AndOnlyItsConnectionCloses() async throws {
    let sink = Harness.key()
    try await NetworkHarness.withPipeline(httpPipeline("format: string", sink: sink)) { port, logs, _ in
      let client = try await TestConnection.connect(port: port)
      let bad = try await TestConnection.connect(port: port)
      try await bad.send("THIS IS NOT HTTP\r\n\r\n")
      let response = try await HTTPText.response(bad)
      #expect(response?.status == 400)
      #expect(try await bad.readsEnd())
      try await NetworkHarness.logLine(logs, containing: "bad request")
      let good = try await HTTPText.exchange(client, target: "/", body: "ok")
      #expect(good?.text == "ok")
      await client.close()
    }
  }

  @Test func noReplyWithinTheTimeoutGets504() async throws {
    let sink = Harness.key()
    try await NetworkHarness.withPipeline(
      httpPipeline("reply_timeout: 200ms", sink: sink, answer: "test.collect")
    ) {
      port, logs, _ in
      let client = try await TestConnection.connect(port: port)
      let response = try await HTTPText.exchange(client, target: "/", body: "hello")
      #expect(response?.status == 504)
      try await NetworkHarness.logLine(logs, containing: "no reply to POST /")
      let events = try await Harness.receive(1, from: sink)
      await #expect(throws: (any Error).self) { try await events[0].reply?.send(events[0]) }
      await client.close()
    }
  }

  @Test func aClientLeavingBeforeItsReplyIsLoggedAndTheLateReplyFails() async throws {
    let sink = Harness.key()
    let gate = Harness.key("gate")
    try await NetworkHarness.withPipeline({ logs in
      """
      modules:
        api:
          module: input.http
          arguments: {listen: "127.0.0.1:0"}
        answer:
          module: test.reply
          arguments: {key: \(sink), gate: \(gate)}
      \(NetworkHarness.logRoute(logs))
      routes:
        - api.outbox -> answer.inbox
        - _logs.outbox -> logs.inbox
      """
    }) { port, logs, _ in
      let leaving = try await TestConnection.connect(port: port)
      try await leaving.send("POST /a HTTP/1.1\r\ncontent-length: 4\r\n\r\nlate")
      _ = try await Harness.receive(1, from: sink)
      await leaving.close()
      try await NetworkHarness.logLine(logs, containing: "the connection closed first")
      try await NetworkHarness.gate(gate).send(())
      try await NetworkHarness.logLine(logs, containing: "can no longer be answered")
      let client = try await TestConnection.connect(port: port)
      try await NetworkHarness.gate(gate).send(())
      #expect(try await HTTPText.exchange(client, target: "/b", body: "on time")?.text == "on time")
      await client.close()
    }
  }

  @Test func aGracefulStopStillAnswersRequestsInFlight() async throws {
    let sink = Harness.key()
    let gate = Harness.key("gate")
    let logs = Harness.key("logs")
    let pipeline = try NetworkHarness.pipeline(
      """
      modules:
        api:
          module: input.http
          arguments: {listen: "127.0.0.1:0"}
        answer:
          module: test.reply
          arguments: {key: \(sink), gate: \(gate)}
      \(NetworkHarness.logRoute(logs))
      routes:
        - api.outbox -> answer.inbox
        - _logs.outbox -> logs.inbox
      """)
    let running = Harness.start(pipeline)
    let port = try await NetworkHarness.port(logs: logs)
    let client = try await TestConnection.connect(port: port)
    try await client.send("POST / HTTP/1.1\r\ncontent-length: 8\r\n\r\nin time!")
    _ = try await Harness.receive(1, from: sink)
    pipeline.stop()
    try await NetworkHarness.gate(gate).send(())
    let response = try await HTTPText.response(client)
    #expect(response?.status == 200)
    #expect(response?.text == "in time!")
    try await running.value
    #expect(try await client.readsEnd())
  }

  @Test func replyFalseAnswers202AtOnce() async throws {
    let sink = Harness.key()
    try await NetworkHarness.withPipeline(httpPipeline("reply: false", sink: sink, answer: "test.collect")) {
      port, _, _ in
      let client = try await TestConnection.connect(port: port)
      let response = try await HTTPText.exchange(client, method: "PUT", target: "/x", body: "fire and forget")
      #expect(response?.status == 202)
      let events = try await Harness.receive(1, from: sink)
      #expect(events[0].data == "fire and forget")
      #expect(events[0]["header.http.method"] == "PUT")
      #expect(events[0].reply == nil)
      await client.close()
    }
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
  func curlGetsItsAnswer() async throws {
    let sink = Harness.key()
    try await NetworkHarness.withPipeline(httpPipeline("format: auto", sink: sink)) { port, _, _ in
      let output = try await TestCurl.run([
        "-s", "-H", "content-type: application/json", "--data", #"{"from":"curl"}"#,
        "http://127.0.0.1:\(port)/hook",
      ])
      #expect(output == #"{"from":"curl"}"#)
      let events = try await Harness.receive(1, from: sink)
      #expect(events[0]["header.http.headers.user-agent"]?.stringValue?.hasPrefix("curl/") == true)
    }
  }

  // MARK: output.http

  @Test func httpOutputPostsEachEventOnOneConnection() async throws {
    let server = try await TestServer.start(http: true)
    let failures = Harness.key("failures")
    let pipeline = try NetworkHarness.pipeline(
      """
      modules:
        source:
          module: input.generator
          arguments: {interval: 0, count: 2, payload: {n: 1}}
        post:
          module: output.http
          arguments: {url: "http://127.0.0.1:\(server.port)/events?x=1", headers: {x-key: abc}}
        failed:
          module: test.collect
          arguments: {key: \(failures)}
      routes:
        - source.outbox -> post.inbox
        - post.failure -> failed.inbox
      """)
    try await pipeline.run()
    let bytes = try await server.bytes(atLeast: 1)
    var all = bytes
    var requests: [HTTPText.Message] = []
    while requests.count < 2 {
      if let request = HTTPText.request(in: all) {
        requests.append(request)
        all.removeFirst(request.length)
      } else {
        all += try await server.bytes(atLeast: 1)
      }
    }
    #expect(requests.map(\.firstLine) == ["POST /events?x=1 HTTP/1.1", "POST /events?x=1 HTTP/1.1"])
    #expect(requests[0].headers["content-type"] == "application/json")
    #expect(requests[0].headers["x-key"] == "abc")
    #expect(requests[0].text == #"{"n":1}"#)
    #expect(server.connections == 1)
    #expect(Collector.sink(failures).count == 0)
    await server.close()
  }

  @Test func httpOutputFailsOnErrorStatusesAndRefusedConnections() async throws {
    let server = try await TestServer.start(http: true)
    let closed = try await NetworkHarness.freePort()
    let failures = Harness.key("failures")
    for url in ["http://127.0.0.1:\(server.port)/fail", "http://127.0.0.1:\(closed)/"] {
      let pipeline = try NetworkHarness.pipeline(
        """
        modules:
          source:
            module: input.generator
            arguments: {interval: 0, count: 1, payload: "x"}
          post:
            module: output.http
            arguments: {url: "\(url)", retries: 0}
          failed:
            module: test.collect
            arguments: {key: \(failures)}
        routes:
          - source.outbox -> post.inbox
          - post.failure -> failed.inbox
        """)
      try await pipeline.run()
    }
    let failed = try await Harness.receive(2, from: failures)
    #expect(failed[0].error?.message == "POST http://127.0.0.1:\(server.port)/fail answered 500: broken")
    #expect(failed[1].error?.message.hasPrefix("cannot connect to http://127.0.0.1:\(closed)/") == true)
    await server.close()
  }

  @Test func httpOutputRefusesURLsItCannotServe() {
    for (url, reason) in [("ftp://example.com/", "only http:// and https://"), ("not a url", "is not a URL")]
    {
      let errors = Harness.errors(
        """
        modules:
          source:
            module: input.generator
          post:
            module: output.http
            arguments: {url: "\(url)"}
        routes:
          - source.outbox -> post.inbox
        """)
      #expect(errors.first?.description.contains(reason) == true, "\(errors)")
    }
  }

  @Test func everyNetworkModuleDocumentsAValidExample() throws {
    for type in ModuleRegistry.networkModules {
      let descriptor = type.descriptor
      #expect(!descriptor.discussion.isEmpty)
      #expect(descriptor.arguments.allSatisfy { !$0.summary.isEmpty })
      let yaml =
        "modules:\n" + descriptor.example.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
      let config = try PipelineConfig.parse(
        yaml: yaml + "\nroutes: []\n", file: "example.yaml", environment: [:])
      let pipeline = try Pipeline(config: config, registry: .builtin)
      #expect(pipeline.moduleNames.count == 1, "\(descriptor.type)")
    }
  }
}

/// A UDP socket for tests.
final class TestDatagrams: Sendable {
  let channel: any NIOCore.Channel
  let received: StarlingChannels.Channel<String>
  var port: Int { channel.localAddress!.port! }

  private init(channel: any NIOCore.Channel, received: StarlingChannels.Channel<String>) {
    self.channel = channel
    self.received = received
  }

  static func open() async throws -> TestDatagrams {
    let received = StarlingChannels.Channel<String>(capacity: 1000)
    let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(DatagramRecorder(received: received))
        }
      }
      .bind(host: "127.0.0.1", port: 0).get()
    return TestDatagrams(channel: channel, received: received)
  }

  func send(_ text: String, to port: Int) async throws {
    var buffer = channel.allocator.buffer(capacity: text.utf8.count)
    buffer.writeString(text)
    let remote = try SocketAddress(ipAddress: "127.0.0.1", port: port)
    try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: buffer))
  }

  func receive() async throws -> String? {
    let received = received
    return try await withThrowingTaskGroup(of: String?.self) { group in
      group.addTask { try await received.receive() }
      group.addTask {
        try await Task.sleep(for: .seconds(20))
        throw TestFailure(message: "no datagram within 20 s")
      }
      let text = try await group.next()!
      group.cancelAll()
      return text
    }
  }

  func close() async { try? await channel.close() }
}

/// Passes each datagram's text to a channel.
final class DatagramRecorder: ChannelInboundHandler, Sendable {
  typealias InboundIn = AddressedEnvelope<ByteBuffer>
  let received: StarlingChannels.Channel<String>

  init(received: StarlingChannels.Channel<String>) { self.received = received }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    _ = try? received.trySend(String(buffer: unwrapInboundIn(data).data))
  }
}

/// Runs curl and returns its standard output.
enum TestCurl {
  static func run(_ arguments: [String]) async throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["--max-time", "20"] + arguments
    let output = Pipe()
    process.standardOutput = output
    let finished = AsyncStream<Void>.makeStream()
    process.terminationHandler = { _ in finished.continuation.finish() }
    try process.run()
    // Read on a thread of its own: a blocking read must not hold one of the few threads the
    // pipeline under test runs on.
    let data = await withCheckedContinuation { continuation in
      DispatchQueue.global().async {
        continuation.resume(returning: output.fileHandleForReading.readDataToEndOfFile())
      }
    }
    for await _ in finished.stream {}
    guard process.terminationStatus == 0 else {
      throw TestFailure(message: "curl exited \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
  }
}
