/// A push socket (`push0`): sends each message to one connected pull socket, round robin.
///
/// With no pull socket ready to take a message, ``send(_:)`` waits (up to the send timeout):
/// backpressure, as in nng.
public final class Push0: Socket {
  let core: SocketCore<Push0Machine>
  /// The machinery behind the socket. Not for direct use.
  public var socketHandle: SocketHandle { SocketHandle(core: core) }

  /// Creates a push socket.
  ///
  /// - Parameters:
  ///   - name: a name for logs and metrics.
  ///   - options: the socket's options.
  public init(name: String? = nil, options: SocketOptions = SocketOptions()) {
    core = SocketCore(machine: Push0Machine(), options: options, name: name)
  }

  deinit { core.close() }

  /// Sends a message to one pull peer.
  ///
  /// - Throws: ``SPError/timedOut`` after the send timeout, ``SPError/closed``, or
  ///   `CancellationError`; the message was not sent.
  public func send(_ message: Message) async throws {
    try await core.send(message)
  }

  /// Sends a message only if that is possible without waiting (nng's `NNG_FLAG_NONBLOCK`).
  ///
  /// - Returns: `false` if the send would wait (no pull peer can take it now): the message was not sent.
  /// - Throws: ``SPError/closed``.
  public func trySend(_ message: Message) throws(SPError) -> Bool {
    try core.trySend(message)
  }
}

/// A pull socket (`pull0`): receives the messages push sockets send, fairly from each.
public final class Pull0: Socket {
  let core: SocketCore<Pull0Machine>
  /// The machinery behind the socket. Not for direct use.
  public var socketHandle: SocketHandle { SocketHandle(core: core) }

  /// Creates a pull socket.
  ///
  /// - Parameters:
  ///   - name: a name for logs and metrics.
  ///   - options: the socket's options.
  public init(name: String? = nil, options: SocketOptions = SocketOptions()) {
    core = SocketCore(machine: Pull0Machine(), options: options, name: name)
  }

  deinit { core.close() }

  /// Receives the next message.
  ///
  /// - Throws: ``SPError/timedOut`` after the receive timeout, ``SPError/closed``, or
  ///   `CancellationError`.
  public func receive() async throws -> Message {
    try await core.receive()
  }

  /// Takes a message already received, without waiting (nng's `NNG_FLAG_NONBLOCK`).
  ///
  /// - Returns: the next message, or `nil` if none has arrived.
  /// - Throws: ``SPError/closed``.
  public func tryReceive() throws(SPError) -> Message? {
    try core.tryReceive()
  }

  /// The received messages, until the socket closes.
  public var messages: MessageSequence {
    MessageSequence(receive: core.receive)
  }
}
