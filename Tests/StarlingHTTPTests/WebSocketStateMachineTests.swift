import NIOCore
import NIOWebSocket
import Testing

@testable import StarlingHTTP

/// The WebSocket state machine without sockets: frames in, actions out.
@Suite struct WebSocketStateMachineTests {
  static let key = WebSocketMaskingKey([1, 2, 3, 4])!

  static func frame(
    _ opcode: WebSocketOpcode, _ text: String = "", fin: Bool = true, masked: Bool = true
  ) -> WebSocketFrame {
    let key: WebSocketMaskingKey? = masked ? Self.key : nil
    var data = ByteBuffer(string: text)
    if let key { data.webSocketMask(key) }
    return WebSocketFrame(fin: fin, opcode: opcode, maskKey: key, data: data)
  }

  static func server(limit: Int = 100) -> WebSocketStateMachine {
    WebSocketStateMachine(role: .server, maxMessageSize: limit)
  }

  @Test func fragmentsAreJoined() {
    var machine = Self.server()
    let result1 = machine.received(Self.frame(.text, "frag", fin: false))
    #expect(result1 == .none)
    let result2 = machine.received(Self.frame(.ping, "p"))
    #expect(result2 == .pong(ByteBuffer(string: "p")), "pings may interleave")
    let result3 = machine.received(Self.frame(.continuation, "-ment", fin: false))
    #expect(result3 == .none)
    let result4 = machine.received(Self.frame(.continuation, "-ed"))
    #expect(result4 == .deliver(.text("frag-ment-ed")))
    let result5 = machine.received(Self.frame(.binary, "b"))
    #expect(result5 == .deliver(.binary(ByteBuffer(string: "b"))))
  }

  @Test func violationsHaveTheirCodes() {
    var unmasked = Self.server()
    let result6 = unmasked.received(Self.frame(.text, "x", masked: false))
    #expect(result6 == .fail(.protocolError, reason: "an unmasked frame from a client"))
    var client = WebSocketStateMachine(role: .client, maxMessageSize: 100)
    let result7 = client.received(Self.frame(.text, "x"))
    #expect(result7 == .fail(.protocolError, reason: "a masked frame from a server"))
    var interleaved = Self.server()
    _ = interleaved.received(Self.frame(.text, "a", fin: false))
    guard case .fail(.protocolError, _) = interleaved.received(Self.frame(.text, "b")) else {
      Issue.record("a new message inside a fragmented one is a protocol error")
      return
    }
    var oversize = Self.server(limit: 5)
    _ = oversize.received(Self.frame(.text, "abc", fin: false))
    guard case .fail(.messageTooBig, _) = oversize.received(Self.frame(.continuation, "def")) else {
      Issue.record("joined fragments past the limit are too big")
      return
    }
    var badText = Self.server()
    var invalid = ByteBuffer(bytes: [0xc3, 0x28])
    invalid.webSocketMask(Self.key)
    let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: Self.key, data: invalid)
    let result8 = badText.received(frame)
    #expect(result8 == .fail(.invalidPayload, reason: "a text message that is not UTF-8"))
    #expect(
      badText.closing == .done
        && badText.ending == .closed(code: .invalidPayload, reason: "a text message that is not UTF-8"))
  }

  @Test func theClosingHandshakeFromEitherEnd() {
    var peerFirst = Self.server()
    var payload = ByteBuffer()
    payload.writeInteger(UInt16(1000))
    payload.writeString("bye")
    payload.webSocketMask(Self.key)
    let close = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: Self.key, data: payload)
    let result9 = peerFirst.received(close)
    #expect(result9 == .echoClose(.normalClosure))
    let result10 = peerFirst.received(Self.frame(.text, "late"))
    #expect(result10 == .none, "nothing after the close")
    peerFirst.connectionClosed()
    #expect(peerFirst.ending == nil)

    var ourFirst = Self.server()
    let result11 = ourFirst.closeSent(.goingAway, reason: "stopping")
    #expect(result11)
    let again = ourFirst.closeSent(.normalClosure, reason: "")
    #expect(!again, "a close is sent once")
    let result12 = ourFirst.received(Self.frame(.text, "ignored"))
    #expect(result12 == .none)
    let result13 = ourFirst.received(Self.frame(.connectionClose))
    #expect(result13 == .closeConnection)
    ourFirst.connectionClosed()
    #expect(ourFirst.ending == nil, "1001 ends the messages normally")

    var lost = Self.server()
    lost.connectionClosed()
    #expect(lost.ending == .connectionLost)
  }

  @Test func aCloseFrameWithABadCodeIsAProtocolError() {
    var machine = Self.server()
    var payload = ByteBuffer()
    payload.writeInteger(UInt16(1005))
    payload.webSocketMask(Self.key)
    let close = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: Self.key, data: payload)
    guard case .fail(.protocolError, _) = machine.received(close) else {
      Issue.record("1005 may not be sent")
      return
    }
  }

  @Test func theAcceptValueOfRFC6455() {
    #expect(WebSocketAccept.value(for: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    #expect(WebSocketAccept.value(for: "short") == nil)
    #expect(WebSocketAccept.base64(Array("foob".utf8)) == "Zm9vYg==")
  }

  @Test func aCloseReasonIsCutToFitAControlFrame() {
    let payload = WebSocketHandler.closePayload(.normalClosure, reason: String(repeating: "é", count: 100))
    #expect(payload.readableBytes <= 125)
    #expect(String(validating: payload.readableBytesView.dropFirst(2), as: UTF8.self) != nil)
  }
}

/// The queue between an event loop and tasks, without either.
@Suite struct HandoffStateMachineTests {
  typealias Machine = HandoffStateMachine<Int, String>

  @Test func theProducerPausesAtHighWaterAndResumesAtLowWater() {
    var machine = Machine(highWater: 3, lowWater: 1)
    guard case .queued(pause: false) = machine.push(1), case .queued(pause: false) = machine.push(2),
      case .queued(pause: true) = machine.push(3), case .queued(pause: false) = machine.push(4)
    else {
      Issue.record("the third push pauses, once")
      return
    }
    guard case .element(1, resumeProducer: false) = machine.next(),
      case .element(2, resumeProducer: false) = machine.next(),
      case .element(3, resumeProducer: true) = machine.next()
    else {
      Issue.record("taking back to low water resumes")
      return
    }
  }

  @Test func aWaiterGetsTheNextPushAndTheEndAfterWhatIsQueued() {
    var machine = Machine()
    guard case .wait(firstDemand: true) = machine.next() else {
      Issue.record("the first wait")
      return
    }
    let result14 = machine.suspend("a", id: 1)
    #expect(result14)
    guard case .resume("a", 7) = machine.push(7) else {
      Issue.record("the waiter gets it")
      return
    }
    _ = machine.push(8)
    struct Failure: Error {}
    let waiters = machine.finish(Failure())
    #expect(waiters.isEmpty)
    guard case .element(8, _) = machine.next(), case .end(let failure) = machine.next(), failure is Failure
    else {
      Issue.record("the queued element, then the failure")
      return
    }
    guard case .dropped = machine.push(9) else {
      Issue.record("nothing after the end")
      return
    }
  }

  @Test func aCancelledConsumerBeforeItWaitsDoesNotWait() {
    var machine = Machine()
    let early = machine.cancel(id: 1)
    #expect(early == nil)
    guard case .wait(firstDemand: true) = machine.next() else {
      Issue.record("waits")
      return
    }
    let result15 = machine.suspend("a", id: 1)
    #expect(!result15)
    let result16 = machine.suspend("b", id: 2)
    #expect(result16)
    let cancelled = machine.cancel(id: 2)
    #expect(cancelled == "b")
  }
}

@Suite struct ServerSentEventTests {
  @Test func eventsAreEncodedLineByLine() {
    let event = ServerSentEvent(data: "one\ntwo", event: "up\ndate", id: "7", retry: .milliseconds(1500))
    #expect(event.encoded == "event: update\nid: 7\nretry: 1500\ndata: one\ndata: two\n\n")
    #expect(ServerSentEvent(data: "").encoded == "data: \n\n")
  }
}
