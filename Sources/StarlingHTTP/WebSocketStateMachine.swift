import NIOCore
import NIOWebSocket

/// One end of a WebSocket connection, free of I/O: what each received frame means (a whole
/// message, a ping to answer, a close to echo, a protocol violation and its close code), and
/// where the closing handshake stands.
struct WebSocketStateMachine {
  /// Which end this is: a server must receive masked frames, a client unmasked ones.
  enum Role: Sendable { case server, client }

  /// What to do about a received frame.
  enum Action: Equatable {
    /// Nothing (a fragment was stored, a pong arrived, a frame after the close was ignored).
    case none
    /// Deliver this message.
    case deliver(WebSocketMessage)
    /// Answer a ping with a pong carrying `data`.
    case pong(ByteBuffer)
    /// The peer began the close: send a close frame back with `code` (`nil`: an empty one),
    /// then close the connection.
    case echoClose(WebSocket.CloseCode?)
    /// The peer answered this end's close: close the connection.
    case closeConnection
    /// The peer broke the protocol: send a close frame with `code`, then close the
    /// connection; `reason` says what happened.
    case fail(WebSocket.CloseCode, reason: String)
  }

  /// Where the closing handshake stands.
  enum Closing: Equatable {
    /// Open.
    case open
    /// This end sent a close frame and waits for the peer's.
    case sent
    /// The handshake is over (or the connection failed).
    case done
  }

  let role: Role
  let maxMessageSize: Int
  private(set) var closing = Closing.open
  /// The close code and reason the connection ended with, once known.
  private(set) var closeCode: WebSocket.CloseCode?
  private(set) var closeReason = ""
  /// The message being reassembled, and whether it is text.
  private var fragments: (data: ByteBuffer, isText: Bool)?

  init(role: Role, maxMessageSize: Int) {
    self.role = role
    self.maxMessageSize = maxMessageSize
  }

  mutating func received(_ frame: WebSocketFrame) -> Action {
    guard closing != .done else { return .none }
    if frame.rsv1 || frame.rsv2 || frame.rsv3 {
      return fail(.protocolError, "a frame with reserved bits set (no extension was agreed)")
    }
    switch (role, frame.maskKey) {
    case (.server, nil): return fail(.protocolError, "an unmasked frame from a client")
    case (.client, .some): return fail(.protocolError, "a masked frame from a server")
    default: break
    }
    switch frame.opcode {
    case .text, .binary:
      guard closing == .open else { return .none }
      guard fragments == nil else {
        return fail(.protocolError, "a new message began before the last one's final fragment")
      }
      return add(frame.unmaskedData, isText: frame.opcode == .text, fin: frame.fin)
    case .continuation:
      guard closing == .open else { return .none }
      guard let started = fragments else {
        return fail(.protocolError, "a continuation frame with no message to continue")
      }
      return add(frame.unmaskedData, isText: started.isText, fin: frame.fin)
    case .ping:
      return closing == .open ? .pong(frame.unmaskedData) : .none
    case .pong:
      return .none
    case .connectionClose:
      return closeReceived(frame.unmaskedData)
    default:
      return fail(.protocolError, "a frame with the reserved opcode \(frame.opcode)")
    }
  }

  /// This end sends a close frame with `code` (when the connection is open).
  mutating func closeSent(_ code: WebSocket.CloseCode, reason: String) -> Bool {
    guard closing == .open else { return false }
    closing = .sent
    closeCode = code
    closeReason = reason
    return true
  }

  /// The frame decoder's error (a frame longer than the limit, a fragmented or long control
  /// frame …) as a protocol violation.
  mutating func decoderFailed(_ error: NIOWebSocketError) -> Action {
    guard closing != .done else { return .none }
    if error == .invalidFrameLength {
      return fail(.messageTooBig, "a frame longer than the \(maxMessageSize)-byte message limit")
    }
    return fail(.protocolError, "a bad frame (\(error))")
  }

  /// The connection is gone.
  mutating func connectionClosed() {
    if closing == .open {
      closeCode = .abnormalClosure
      closeReason = ""
    }
    closing = .done
  }

  /// How the connection ended, for the messages' sequence: `nil` for a normal end (1000,
  /// 1001, or a close frame without a code), else the error to throw.
  var ending: WebSocketError? {
    switch closeCode {
    case nil, .normalClosure?, .goingAway?, .noStatusReceived?: nil
    case .abnormalClosure?: .connectionLost
    case let code?: .closed(code: code, reason: closeReason)
    }
  }

  private mutating func add(_ data: ByteBuffer, isText: Bool, fin: Bool) -> Action {
    var message: ByteBuffer
    if var started = fragments?.data {
      fragments = nil
      var data = data
      started.writeBuffer(&data)
      message = started
    } else {
      message = data
    }
    guard message.readableBytes <= maxMessageSize else {
      return fail(.messageTooBig, "a message longer than the \(maxMessageSize)-byte limit")
    }
    guard fin else {
      fragments = (message, isText)
      return .none
    }
    guard isText else { return .deliver(.binary(message)) }
    guard let text = String(validating: message.readableBytesView, as: UTF8.self) else {
      return fail(.invalidPayload, "a text message that is not UTF-8")
    }
    return .deliver(.text(text))
  }

  private mutating func closeReceived(_ payload: ByteBuffer) -> Action {
    var payload = payload
    var code: WebSocket.CloseCode?
    var reason = ""
    if payload.readableBytes == 1 {
      return fail(.protocolError, "a close frame with a 1-byte payload")
    }
    if let number = payload.readInteger(as: UInt16.self) {
      let received = WebSocket.CloseCode(rawValue: number)
      guard received.isSendable else {
        return fail(.protocolError, "a close frame with the code \(number), which may not be sent")
      }
      guard let text = String(validating: payload.readableBytesView, as: UTF8.self) else {
        return fail(.invalidPayload, "a close reason that is not UTF-8")
      }
      code = received
      reason = text
    }
    switch closing {
    case .open:
      closing = .done
      closeCode = code ?? .noStatusReceived
      closeReason = reason
      return .echoClose(code)
    case .sent:
      closing = .done
      return .closeConnection
    case .done:
      return .none
    }
  }

  private mutating func fail(_ code: WebSocket.CloseCode, _ reason: String) -> Action {
    closing = .done
    fragments = nil
    closeCode = code
    closeReason = reason
    return .fail(code, reason: reason)
  }
}
