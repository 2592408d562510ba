import Foundation
import Testing

@testable import StarlingPipeline

/// The SP socket modules against real nng (pynng), each way round, over tcp and ipc.
@Suite(.timeLimit(.minutes(5)))
struct SocketModulesTests {
  /// A socket input (`input.X` named `in`, with `extra` arguments) feeding a collector.
  static func input(_ type: String, sink: String, extra: String = "") -> String {
    """
      in:
        module: \(type)
        arguments:
          ENDPOINT
    \(extra.isEmpty ? "" : "      \(extra)\n")  out:
        module: test.collect
        arguments:
          key: \(sink)
    """
  }

  /// A generator (`tick N` every 100 ms) feeding a socket output (`output.X` named `sock`).
  static func output(_ type: String, extra: String = "", interval: String = "100ms") -> String {
    """
      ticks:
        module: input.generator
        arguments:
          interval: \(interval)
          payload: "tick {{n}}"
      sock:
        module: \(type)
        arguments:
          ENDPOINT
    \(extra.isEmpty ? "" : "      \(extra)\n")
    """
  }

  /// Waits until the peer has a connection.
  static func connected(_ peer: SPPeer) async throws {
    peer.command("wait")
    _ = try await peer.line("CONNECTED")
  }

  /// Has the peer answer requests or surveys (the oldest queued first, which may be stale by
  /// then) until an event reaches the sink; returns that event.
  static func answering(_ peer: SPPeer, until sink: String) async throws -> [Event] {
    let answering = Task {
      while !Task.isCancelled {
        peer.command("reply re:")
        try await Task.sleep(for: .milliseconds(100))
      }
    }
    defer { answering.cancel() }
    return try await Harness.receive(1, from: sink)
  }

  // MARK: Inputs

  @Test(arguments: Wiring.allCases)
  func pullReceivesFromPynngPush(_ wiring: Wiring) async throws {
    let sink = Harness.key()
    let rig = try await SocketRig.start(
      wiring, peer: "Push0", modules: Self.input("input.pull", sink: sink), routes: ["in.outbox -> out.inbox"]
    )
    try await Self.connected(rig.peer)
    rig.peer.command("send m1")
    let events = try await Harness.receive(1, from: sink)
    #expect(events[0].data == "m1")
    #expect(events[0]["header.sp.pipe"]?.intValue != nil)
    try await rig.stop()
  }

  @Test(arguments: Wiring.allCases)
  func subReceivesItsTopicsFromPynngPub(_ wiring: Wiring) async throws {
    let sink = Harness.key()
    let rig = try await SocketRig.start(
      wiring, peer: "Pub0", modules: Self.input("input.sub", sink: sink, extra: "topics: [\"a:\"]"),
      routes: ["in.outbox -> out.inbox"])
    try await Self.connected(rig.peer)
    // The pub side sees the pipe a moment before the sub side may; publish until one arrives.
    let publisher = Task {
      for n in 0..<200 where !Task.isCancelled {
        rig.peer.command("send b:\(n)")
        rig.peer.command("send a:\(n)")
        try await Task.sleep(for: .milliseconds(50))
      }
    }
    let events = try await Harness.receive(2, from: sink)
    publisher.cancel()
    #expect(events.allSatisfy { $0.data.stringValue?.hasPrefix("a:") == true })
    try await rig.stop()
  }

  @Test(arguments: Wiring.allCases)
  func repAnswersPynngReqThroughOutputReply(_ wiring: Wiring) async throws {
    let rig = try await SocketRig.start(
      wiring, peer: "Req0",
      modules: """
          in:
            module: input.rep
            arguments:
              ENDPOINT
              format: json
          answer:
            module: output.reply
        """, routes: ["in.outbox -> answer.inbox"])
    rig.peer.command(#"send {"n":1}"#)
    #expect(try await rig.peer.received(after: "recv") == #"{"n":1}"#)
    rig.peer.command("send [2]")
    #expect(try await rig.peer.received(after: "recv") == "[2]")
    try await rig.stop()
  }

  @Test(arguments: Wiring.allCases)
  func respondentAnswersPynngSurveyor(_ wiring: Wiring) async throws {
    let rig = try await SocketRig.start(
      wiring, peer: "Surveyor0",
      modules: """
          in:
            module: input.respondent
            arguments:
              ENDPOINT
          answer:
            module: output.reply
        """, routes: ["in.outbox -> answer.inbox"])
    try await Self.connected(rig.peer)
    #expect(try await rig.peer.received(after: "survey who") == "who")
    try await rig.stop()
  }

  @Test(arguments: Wiring.allCases)
  func pairReceivesFromPynngPair(_ wiring: Wiring) async throws {
    let sink = Harness.key()
    let rig = try await SocketRig.start(
      wiring, peer: "Pair0", modules: Self.input("input.pair", sink: sink), routes: ["in.outbox -> out.inbox"]
    )
    try await Self.connected(rig.peer)
    rig.peer.command("send p1")
    let events = try await Harness.receive(1, from: sink)
    #expect(events[0].data == "p1")
    #expect(events[0]["header.sp.pipe"]?.intValue != nil)
    try await rig.stop()
  }

  @Test func pairOneReceivesFromPynngPairOne() async throws {
    let sink = Harness.key()
    let rig = try await SocketRig.start(
      .tcpListen, peer: "Pair1", modules: Self.input("input.pair", sink: sink, extra: "version: \"1\""),
      routes: ["in.outbox -> out.inbox"])
    try await Self.connected(rig.peer)
    rig.peer.command("send p1")
    #expect(try await Harness.receive(1, from: sink)[0].data == "p1")
    try await rig.stop()
  }

  @Test(arguments: Wiring.allCases)
  func busReceivesFromPynngBus(_ wiring: Wiring) async throws {
    let sink = Harness.key()
    let rig = try await SocketRig.start(
      wiring, peer: "Bus0", modules: Self.input("input.bus", sink: sink), routes: ["in.outbox -> out.inbox"])
    try await Self.connected(rig.peer)
    let sender = Task {
      for n in 0..<200 where !Task.isCancelled {
        rig.peer.command("send b\(n)")
        try await Task.sleep(for: .milliseconds(50))
      }
    }
    let events = try await Harness.receive(1, from: sink)
    sender.cancel()
    #expect(events[0].data.stringValue?.hasPrefix("b") == true)
    try await rig.stop()
  }

  // MARK: Outputs

  @Test(arguments: Wiring.allCases)
  func pushSendsToPynngPull(_ wiring: Wiring) async throws {
    let rig = try await SocketRig.start(
      wiring, peer: "Pull0", modules: Self.output("output.push"), routes: ["ticks.outbox -> sock.inbox"])
    #expect(try await rig.peer.received(after: "recv") == "tick 1")
    #expect(try await rig.peer.received(after: "recv") == "tick 2")
    try await rig.stop()
  }

  @Test(arguments: Wiring.allCases)
  func pubPublishesToPynngSub(_ wiring: Wiring) async throws {
    let rig = try await SocketRig.start(
      wiring, peer: "Sub0", modules: Self.output("output.pub", extra: "topic: \"t:\""),
      routes: ["ticks.outbox -> sock.inbox"])
    #expect(try await rig.peer.received(after: "recv").hasPrefix("t:tick "))
    try await rig.stop()
  }

  @Test(arguments: Wiring.allCases)
  func reqAsksPynngRepAndEmitsTheReply(_ wiring: Wiring) async throws {
    let sink = Harness.key()
    let rig = try await SocketRig.start(
      wiring, peer: "Rep0",
      modules: Self.output("output.req", extra: "timeout: 5s", interval: "200ms") + """

          out:
            module: test.collect
            arguments:
              key: \(sink)
        """, routes: ["ticks.outbox -> sock.inbox", "sock.outbox -> out.inbox"])
    let events = try await Self.answering(rig.peer, until: sink)
    // The first requests may time out before a slow-starting peer is up: any tick will do.
    #expect(events[0].data.stringValue?.hasPrefix("re:tick ") == true)
    #expect(events[0]["header.sp.pipe"]?.intValue != nil)
    try await rig.stop()
  }

  @Test(arguments: Wiring.allCases)
  func surveyorCollectsPynngRespondentAnswers(_ wiring: Wiring) async throws {
    let sink = Harness.key()
    let rig = try await SocketRig.start(
      wiring, peer: "Respondent0",
      modules: Self.output("output.surveyor", extra: "survey_time: 300ms", interval: "100ms") + """

          out:
            module: test.collect
            arguments:
              key: \(sink)
        """, routes: ["ticks.outbox -> sock.inbox", "sock.outbox -> out.inbox"])
    let events = try await Self.answering(rig.peer, until: sink)
    #expect(events[0].data.stringValue?.hasPrefix("re:tick ") == true)
    try await rig.stop()
  }

  @Test(arguments: Wiring.allCases)
  func pairSendsToPynngPair(_ wiring: Wiring) async throws {
    let rig = try await SocketRig.start(
      wiring, peer: "Pair0", modules: Self.output("output.pair"), routes: ["ticks.outbox -> sock.inbox"])
    #expect(try await rig.peer.received(after: "recv") == "tick 1")
    try await rig.stop()
  }

  @Test(arguments: Wiring.allCases)
  func busSendsToPynngBus(_ wiring: Wiring) async throws {
    let rig = try await SocketRig.start(
      wiring, peer: "Bus0", modules: Self.output("output.bus"), routes: ["ticks.outbox -> sock.inbox"])
    #expect(try await rig.peer.received(after: "recv").hasPrefix("tick "))
    try await rig.stop()
  }

  // MARK: Concurrency

  @Test func repServesRequestsConcurrentlyAndAnswersEachItsOwn() async throws {
    let sink = Harness.key()
    let rig = try await SocketRig.start(
      .tcpListen, peer: "Req0", modules: Self.input("input.rep", sink: sink, extra: "max_pending: 4"),
      routes: ["in.outbox -> out.inbox"])
    let second = try SPPeer("Req0", "dial", rig.url)
    _ = try await second.line("READY")
    rig.peer.command("send first")
    second.command("send second")
    // Both requests are events before either is answered.
    let events = try await Harness.receive(2, from: sink)
    let byData = Dictionary(uniqueKeysWithValues: events.map { ($0.data.stringValue ?? "", $0) })
    try await byData["second"]!.reply!.send(Event(data: "answer to second"))
    try await byData["first"]!.reply!.send(Event(data: ["answer": 1]))
    #expect(try await second.received(after: "recv") == "answer to second")
    #expect(try await rig.peer.received(after: "recv") == #"{"answer":1}"#)
    second.finish()
    try await rig.stop()
  }

  // MARK: Bad input

  @Test func nonJSONMessageIsLoggedAndDroppedAndTheSocketKeepsServing() async throws {
    let sink = Harness.key()
    let rig = try await SocketRig.start(
      .tcpListen, peer: "Push0", modules: Self.input("input.pull", sink: sink, extra: "format: json"),
      routes: ["in.outbox -> out.inbox"])
    rig.peer.command("send not json")
    rig.peer.command(#"send {"ok":true}"#)
    let warning = try await rig.logLine("warning", containing: "dropped")
    #expect(warning.contains("invalid JSON"))
    let events = try await Harness.receive(1, from: sink)
    #expect(events[0].data == ["ok": true])
    try await rig.stop()
  }

  @Test func eventWithoutReplyHandleFailsInOutputReply() async throws {
    let sink = Harness.key()
    let pipeline = try Harness.pipeline(
      """
      modules:
        one:
          module: input.generator
          arguments:
            count: 1
            interval: 0
        answer:
          module: output.reply
        failed:
          module: test.collect
          arguments:
            key: \(sink)
      routes:
        - one.outbox -> answer.inbox
        - answer.failure -> failed.inbox
      """)
    let task = Harness.start(pipeline)
    let events = try await Harness.receive(1, from: sink)
    #expect(events[0].error?.message.contains("no reply handle") == true)
    try await task.value
  }

  @Test(arguments: ["bogus://x", "tcp://127.0.0.1:notaport", "ipc://"])
  func badURLIsAConfigErrorNamingIt(_ url: String) {
    let errors = Harness.errors(
      """
      modules:
        in:
          module: input.pull
          arguments:
            dial: ["tcp://127.0.0.1:5555", "\(url)"]
      """)
    #expect(errors.contains { $0.description.contains("'\(url)' is not valid") })
  }

  @Test func noURLIsAConfigError() {
    let errors = Harness.errors(
      """
      modules:
        out:
          module: output.push
      """)
    #expect(errors.contains { $0.description.contains("at least one URL") })
  }

  @Test func listenAddressInUseStopsTheStartWithTheReason() async throws {
    let first = try await SocketRig.start(
      .tcpListen, peer: "Push0", modules: Self.input("input.pull", sink: Harness.key()),
      routes: ["in.outbox -> out.inbox"])
    let url = first.url
    let second = try Harness.pipeline(
      """
      modules:
        in:
          module: input.pull
          arguments:
            listen: \(url)
      """)
    await #expect {
      try await second.run()
    } throws: { error in
      "\(error)".contains("address in use")
    }
    try await first.stop()
  }

  @Test func replyTimeoutOfOutputReqFailsTheEvent() async throws {
    let sink = Harness.key()
    let rig = try await SocketRig.start(
      .tcpDial, peer: "Rep0",
      modules: """
          one:
            module: input.generator
            arguments:
              count: 1
              interval: 0
          sock:
            module: output.req
            arguments:
              ENDPOINT
              timeout: 300ms
              retries: 0
          failed:
            module: test.collect
            arguments:
              key: \(sink)
        """, routes: ["one.outbox -> sock.inbox", "sock.failure -> failed.inbox"])
    // The peer receives the request but never answers it.
    let events = try await Harness.receive(1, from: sink)
    #expect(events[0].error?.message == "no reply came within timeout (300ms)")
    try await rig.stop()
  }

  @Test func nonJSONRequestIsDroppedAndTheRepKeepsServing() async throws {
    let rig = try await SocketRig.start(
      .ipcListen, peer: "Req0",
      modules: """
          in:
            module: input.rep
            arguments:
              ENDPOINT
              format: json
          answer:
            module: output.reply
        """, routes: ["in.outbox -> answer.inbox"])
    let second = try SPPeer("Req0", "dial", rig.url)
    _ = try await second.line("READY")
    rig.peer.command("send {oops")
    let warning = try await rig.logLine("warning", containing: "dropped a request")
    #expect(warning.contains("invalid JSON"))
    second.command("send true")
    #expect(try await second.received(after: "recv") == "true")
    second.finish()
    try await rig.stop()
  }

  // MARK: TLS

  @Test(arguments: [false, true])
  func pushAndPullTalkOverTLS(insecure: Bool) async throws {
    let certificates = try await SocketCertificates.load()
    let sink = Harness.key()
    let logs = Harness.key("logs")
    let receiver = try Harness.pipeline(
      """
      modules:
        in:
          module: input.pull
          arguments:
            listen: tls+tcp://127.0.0.1:0
            tls_cert: \(certificates)/server.crt
            tls_key: \(certificates)/server.key
        out:
          module: test.collect
          arguments:
            key: \(sink)
        logs:
          module: test.collect
          arguments:
            key: \(logs)
      routes:
        - in.outbox -> out.inbox
        - _logs.outbox -> logs.inbox
      """)
    let receiving = Harness.start(receiver)
    let url = try await SocketRig.listeningURL(logs)
    #expect(url.hasPrefix("tls+tcp://127.0.0.1:"))
    // Either verify the listener against the test CA, or skip verification.
    let trust =
      insecure
      ? "      tls_insecure: true" : "      tls_ca: \(certificates)/ca.crt\n      tls_server_name: localhost"
    let sender = try Harness.pipeline(
      """
      modules:
        one:
          module: input.generator
          arguments:
            count: 1
            payload: secret
        sock:
          module: output.push
          arguments:
            dial: \(url)
      \(trust)
      routes:
        - one.outbox -> sock.inbox
      """)
    let sending = Harness.start(sender)
    #expect(try await Harness.receive(1, from: sink)[0].data == "secret")
    try await sending.value
    receiver.stop()
    try await receiving.value
  }

  @Test func missingTLSCertificateStopsTheStartNamingTheFile() async throws {
    let pipeline = try Harness.pipeline(
      """
      modules:
        in:
          module: input.pull
          arguments:
            listen: tls+tcp://127.0.0.1:0
            tls_cert: /nonexistent/server.crt
            tls_key: /nonexistent/server.key
      """)
    await #expect {
      try await pipeline.run()
    } throws: { error in
      "\(error)".contains("/nonexistent/server")
    }
  }

  @Test func tlsCertificateWithoutKeyIsAConfigError() {
    let errors = Harness.errors(
      """
      modules:
        in:
          module: input.pull
          arguments:
            listen: tls+tcp://127.0.0.1:0
            tls_cert: server.crt
      """)
    #expect(errors.contains { $0.description.contains("`tls_cert` and `tls_key` go together") })
  }

  // MARK: Documentation

  @Test(arguments: ModuleRegistry.socketModules.map { $0.descriptor.type })
  func descriptorExampleIsValid(_ type: String) throws {
    let descriptor = try #require(ModuleRegistry.builtin.lookup(type)).descriptor
    #expect(!descriptor.discussion.isEmpty)
    let example = descriptor.example.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n")
    let errors = Harness.errors("modules:\n\(example)\n")
    #expect(errors.isEmpty, "\(errors)")
  }
}
