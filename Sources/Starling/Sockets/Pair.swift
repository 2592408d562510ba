/// A pair socket (`pair0`): one peer at a time, messages both ways, no header.
///
/// A second connection is refused while the first lives.
public final class Pair0: Socket {
  let core: SocketCore<Pair0Machine>
  /// The machinery behind the socket. Not for direct use.
  public var socketHandle: SocketHandle { SocketHandle(core: core) }

  /// Creates a pair0 socket.
  public init(name: String? = nil, options: SocketOptions = SocketOptions()) {
    core = SocketCore(machine: Pair0Machine(), options: options, name: name)
  }

  deinit { core.close() }

  /// Sends a message to the peer, waiting (up to the send timeout) while there is none.
  public func send(_ message: Message) async throws {
    try await core.send(message)
  }

  /// Receives the next message from the peer.
  public func receive() async throws -> Message {
    try await core.receive()
  }

  /// The received messages, until the socket closes.
  public var messages: MessageSequence {
    MessageSequence(receive: core.receive)
  }

  /// Sends a message only if that is possible without waiting (nng's `NNG_FLAG_NONBLOCK`).
  ///
  /// - Returns: `false` if the send would wait (no peer, or it cannot take more now): the message was not sent.
  /// - Throws: ``SPError/closed``.
  public func trySend(_ message: Message) throws(SPError) -> Bool {
    try core.trySend(message)
  }

  /// Takes a message already received, without waiting (nng's `NNG_FLAG_NONBLOCK`).
  ///
  /// - Returns: the next message, or `nil` if none has arrived.
  /// - Throws: ``SPError/closed``.
  public func tryReceive() throws(SPError) -> Message? {
    try core.tryReceive()
  }
}

/// A pair socket (`pair1`): like ``Pair0`` with a hop count on every message, so pairs can
/// be joined by devices, and a polyamorous mode for many peers.
///
/// In polyamorous mode a received message's ``Message/pipe`` tells which peer sent it; set it
/// on a message to send to that peer (without it, the message goes to the first ready peer).
public final class Pair1: Socket {
  let core: SocketCore<Pair1Machine>
  /// The machinery behind the socket. Not for direct use.
  public var socketHandle: SocketHandle { SocketHandle(core: core) }

  /// Creates a pair1 socket.
  ///
  /// - Parameters:
  ///   - polyamorous: accept any number of peers instead of one.
  public init(name: String? = nil, polyamorous: Bool = false, options: SocketOptions = SocketOptions()) {
    core = SocketCore(
      machine: Pair1Machine(maxTTL: options.maxTTL, polyamorous: polyamorous), options: options, name: name)
  }

  deinit { core.close() }

  /// Sends a message, waiting (up to the send timeout) while no peer can take it.
  public func send(_ message: Message) async throws {
    try await core.send(message)
  }

  /// Receives the next message; its ``Message/pipe`` names the peer it came from.
  public func receive() async throws -> Message {
    try await core.receive()
  }

  /// The received messages, until the socket closes.
  public var messages: MessageSequence {
    MessageSequence(receive: core.receive)
  }

  /// Sends a message only if that is possible without waiting (nng's `NNG_FLAG_NONBLOCK`).
  ///
  /// - Returns: `false` if the send would wait (no peer can take it now): the message was not sent.
  /// - Throws: ``SPError/closed``.
  public func trySend(_ message: Message) throws(SPError) -> Bool {
    try core.trySend(message)
  }

  /// Takes a message already received, without waiting (nng's `NNG_FLAG_NONBLOCK`).
  ///
  /// - Returns: the next message, or `nil` if none has arrived.
  /// - Throws: ``SPError/closed``.
  public func tryReceive() throws(SPError) -> Message? {
    try core.tryReceive()
  }
}
