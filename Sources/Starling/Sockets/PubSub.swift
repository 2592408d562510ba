import struct StarlingChannels.Lock

/// A publisher (`pub0`): every message goes to every connected ``Sub0``.
///
/// ``send(_:)`` never waits. A subscriber that cannot keep up loses messages, and every loss is
/// counted in ``Socket/statistics`` under ``DropReason/queueFull`` — never silent.
public final class Pub0: Socket {
  let core: SocketCore<Pub0Machine>
  /// The machinery behind the socket. Not for direct use.
  public var socketHandle: SocketHandle { SocketHandle(core: core) }

  /// Creates a pub socket.
  public init(name: String? = nil, options: SocketOptions = SocketOptions()) {
    core = SocketCore(machine: Pub0Machine(), options: options, name: name)
  }

  deinit { core.close() }

  /// Publishes a message to every subscriber that can take it now.
  public func send(_ message: Message) async throws {
    try await core.send(message)
  }

  /// Publishes a message without waiting, as ``send(_:)`` does (a pub never waits): here for
  /// code written against nng's non-blocking sends.
  ///
  /// - Returns: `true`: the message went to every subscriber that could take it.
  /// - Throws: ``SPError/closed``.
  public func trySend(_ message: Message) throws(SPError) -> Bool {
    try core.trySend(message)
  }
}

/// A subscriber (`sub0`): receives what pubs publish, for the topics it subscribes to.
///
/// A topic is a byte prefix of the message body; the empty topic matches everything. With no
/// subscription, nothing is received. The receive queue holds
/// ``SocketOptions/receiveBufferSize`` messages; when it is full the oldest is dropped and
/// counted under ``DropReason/queueFull``.
public final class Sub0: Socket {
  let core: SocketCore<Sub0Machine>
  /// The machinery behind the socket. Not for direct use.
  public var socketHandle: SocketHandle { SocketHandle(core: core) }

  /// Creates a sub socket.
  public init(name: String? = nil, options: SocketOptions = SocketOptions()) {
    core = SocketCore(machine: Sub0Machine(), options: options, name: name)
  }

  deinit { core.close() }

  /// Subscribes to messages whose body starts with `topic` (all messages for an empty topic).
  public func subscribe(_ topic: some Sequence<UInt8>) {
    let topic = Array(topic)
    core.state.withLock { $0.machine.subscribe(topic) }
  }

  /// Subscribes to messages whose body starts with the UTF-8 of `topic`.
  public func subscribe(_ topic: String) {
    subscribe(topic.utf8)
  }

  /// Removes a subscription.
  ///
  /// - Throws: ``SPError/badState(_:)`` if there was no such subscription.
  public func unsubscribe(_ topic: some Sequence<UInt8>) throws {
    let topic = Array(topic)
    guard core.state.withLock({ $0.machine.unsubscribe(topic) }) else {
      throw SPError.badState("no subscription to that topic")
    }
  }

  /// Removes a subscription to the UTF-8 of `topic`.
  public func unsubscribe(_ topic: String) throws {
    try unsubscribe(topic.utf8)
  }

  /// The current subscriptions.
  public var topics: [[UInt8]] {
    core.state.withLock { $0.machine.topics }
  }

  /// Receives the next message that matches a subscription.
  public func receive() async throws -> Message {
    try await core.receive()
  }

  /// The received messages, until the socket closes.
  public var messages: MessageSequence {
    MessageSequence(receive: core.receive)
  }

  /// Takes a message already received, without waiting (nng's `NNG_FLAG_NONBLOCK`).
  ///
  /// - Returns: the next message, or `nil` if none has arrived.
  /// - Throws: ``SPError/closed``.
  public func tryReceive() throws(SPError) -> Message? {
    try core.tryReceive()
  }
}

/// A bus socket (`bus0`): every message goes to every connected peer, and each peer's
/// messages come to it.
///
/// A message is never sent back to the pipe it came from (set ``Message/pipe`` when
/// forwarding). ``send(_:)`` never waits; a peer that cannot keep up loses messages, counted
/// under ``DropReason/queueFull``.
public final class Bus0: Socket {
  let core: SocketCore<Bus0Machine>
  /// The machinery behind the socket. Not for direct use.
  public var socketHandle: SocketHandle { SocketHandle(core: core) }

  /// Creates a bus socket.
  public init(name: String? = nil, options: SocketOptions = SocketOptions()) {
    core = SocketCore(machine: Bus0Machine(), options: options, name: name)
  }

  deinit { core.close() }

  /// Sends a message to every peer that can take it now.
  public func send(_ message: Message) async throws {
    try await core.send(message)
  }

  /// Receives the next message from any peer; its ``Message/pipe`` names the peer.
  public func receive() async throws -> Message {
    try await core.receive()
  }

  /// The received messages, until the socket closes.
  public var messages: MessageSequence {
    MessageSequence(receive: core.receive)
  }

  /// Sends a message without waiting, as ``send(_:)`` does (a bus never waits): here for code
  /// written against nng's non-blocking sends.
  ///
  /// - Returns: `true`: the message went to every peer that could take it.
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
