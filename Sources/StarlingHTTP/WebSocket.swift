import NIOCore
import NIOWebSocket

import struct StarlingChannels.Lock

/// A WebSocket connection (RFC 6455), from either end: a server's
/// (``HTTPRequest/upgradeToWebSocket(subprotocol:configuration:)``) or a client's
/// (``connect(_:subprotocols:headers:configuration:)``).
///
/// Received messages arrive whole (fragments joined, text checked for UTF-8) through
/// ``messages``; ``send(text:)`` and ``send(binary:)-(ByteBuffer)`` send them. Pings are
/// answered on their own. A peer that breaks the protocol is sent a close frame with the
/// matching code (1002, 1007, 1009), the connection is closed and the violation logged.
///
/// ```swift
/// let socket = try await WebSocket.connect("ws://127.0.0.1:8080/echo")
/// try await socket.send(text: "hello")
/// for try await message in socket.messages {
///   print(message)
///   break
/// }
/// await socket.close()
/// ```
///
/// A WebSocket that is dropped is closed with 1001 (going away).
public final class WebSocket: Sendable {
  /// The subprotocol agreed on in the upgrade; `nil` when none was.
  public let subprotocol: String?
  /// The peer's address, when known.
  public let remoteAddress: SocketAddress?

  let core: WebSocketCore
  let handler: NIOLoopBound<WebSocketHandler>
  let channel: any Channel

  init(
    subprotocol: String?, channel: any Channel, core: WebSocketCore, handler: NIOLoopBound<WebSocketHandler>
  ) {
    self.subprotocol = subprotocol
    self.remoteAddress = channel.remoteAddress
    self.channel = channel
    self.core = core
    self.handler = handler
  }

  deinit {
    guard core.ending == nil else { return }
    run { $0.close(.goingAway, reason: "") }
  }

  /// The messages received, in order. The sequence ends when the connection closes
  /// normally (1000 or 1001, from either end); it throws ``WebSocketError/closed(code:reason:)``
  /// for another close code (such as one this end sent because the peer broke the protocol)
  /// and ``WebSocketError/connectionLost`` when the connection dropped without a close frame.
  /// Reading stops while ``Configuration/maxQueuedMessages`` wait to be taken.
  public var messages: WebSocketMessages { WebSocketMessages(socket: self) }

  /// The close code the connection ended with (sent or received); `nil` while it is open.
  public var closeCode: CloseCode? { core.closeStatus?.code }

  /// Sends a text message.
  ///
  /// - Throws: ``WebSocketError`` when the connection is closing or closed.
  public func send(text: String) async throws {
    try await send(.text, ByteBuffer(string: text))
  }

  /// Sends a binary message.
  ///
  /// - Throws: ``WebSocketError`` when the connection is closing or closed.
  public func send(binary: ByteBuffer) async throws {
    try await send(.binary, binary)
  }

  /// Sends a binary message.
  ///
  /// - Throws: ``WebSocketError`` when the connection is closing or closed.
  public func send(binary: [UInt8]) async throws {
    try await send(.binary, ByteBuffer(bytes: binary))
  }

  /// Closes the connection: sends a close frame with `code` and `reason`, and waits until the
  /// peer answers and the connection is closed (at most ``Configuration/closeTimeout``).
  /// Closing a closed WebSocket does nothing.
  public func close(code: CloseCode = .normalClosure, reason: String = "") async {
    run { $0.close(code, reason: reason) }
    try? await channel.closeFuture.get()
  }

  /// Sends a message; waits for the write only while the connection has more queued than it
  /// takes at once (backpressure).
  private func send(_ opcode: WebSocketOpcode, _ data: ByteBuffer) async throws {
    if let ending = core.ending { throw ending }
    if channel.isWritable {
      run { $0.send(opcode, data, promise: nil) }
    } else {
      let handler = handler
      try await handler.eventLoop.flatSubmit {
        let promise = handler.eventLoop.makePromise(of: Void.self)
        handler.value.send(opcode, data, promise: promise)
        return promise.futureResult
      }.get()
    }
  }

  private func run(_ body: @escaping @Sendable (WebSocketHandler) -> Void) {
    let handler = handler
    if handler.eventLoop.inEventLoop {
      body(handler.value)
    } else {
      handler.eventLoop.execute { body(handler.value) }
    }
  }
}

/// What a ``WebSocket`` and its handler share: the received messages, and how the
/// connection ended.
final class WebSocketCore: Sendable {
  let inbox: Handoff<WebSocketMessage>
  private let status = Lock<(code: WebSocket.CloseCode, reason: String, ending: WebSocketError?)?>.make(nil)

  init(maxQueuedMessages: Int) {
    inbox = Handoff(highWater: max(1, maxQueuedMessages), lowWater: maxQueuedMessages / 2)
  }

  /// The close code and reason, once the connection is closing or closed.
  var closeStatus: (code: WebSocket.CloseCode, reason: String)? {
    status.withLock { $0.map { ($0.code, $0.reason) } }
  }

  /// The error a send throws: set once the connection is closing.
  var ending: WebSocketError? {
    status.withLock { status in
      guard let status else { return nil }
      return status.ending ?? .closed(code: status.code, reason: status.reason)
    }
  }

  /// The connection is closing with `code`.
  func closing(_ code: WebSocket.CloseCode, reason: String, ending: WebSocketError?) {
    status.withLock { status in
      if status == nil { status = (code, reason, ending) }
    }
  }
}

/// The messages of a ``WebSocket``, as an asynchronous sequence (``WebSocket/messages``).
public struct WebSocketMessages: AsyncSequence, Sendable {
  /// A whole message.
  public typealias Element = WebSocketMessage

  let socket: WebSocket

  /// Makes the iterator. Several iterators share the messages: each message goes to one.
  public func makeAsyncIterator() -> Iterator { Iterator(socket: socket) }

  /// Takes the messages one by one.
  public struct Iterator: AsyncIteratorProtocol {
    let socket: WebSocket

    /// The next message; `nil` after a normal close.
    ///
    /// - Throws: ``WebSocketError`` when the connection ended otherwise.
    public mutating func next() async throws -> WebSocketMessage? {
      let handler = socket.handler
      return try await socket.core.inbox.next(resumeProducer: {
        handler.eventLoop.execute { handler.value.resumeReading() }
      })
    }
  }
}
