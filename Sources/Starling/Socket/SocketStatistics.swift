/// Counters of what a socket did: messages and bytes each way, pipes, drops and protocol
/// errors by cause.
public struct SocketStatistics: Sendable, Hashable {
  /// Messages received from peers and delivered (or queued) to the socket's receivers.
  public var messagesIn = 0
  /// Messages handed to pipes.
  public var messagesOut = 0
  /// Bytes of the messages counted in ``messagesIn`` (header and body).
  public var bytesIn = 0
  /// Bytes of the messages counted in ``messagesOut``.
  public var bytesOut = 0
  /// Pipes open now.
  public var pipesOpen = 0
  /// Pipes opened since the socket was made.
  public var pipesTotal = 0
  /// Pipes the socket refused after their handshake (such as a second pair0 peer).
  public var pipesRefused = 0
  /// Times a dialer connected again after losing its connection or failing to connect.
  public var reconnects = 0
  /// Dropped messages, by reason.
  public var drops: [DropReason: Int] = [:]
  /// Connections and pipes that failed (the peer broke the protocol, a handshake failed, a
  /// message was too large …), by the kind of error; ``lastPipeError`` has the details of the
  /// last one.
  public var protocolErrors: [SPError.Kind: Int] = [:]
  /// The reason the last pipe closed with an error, if any.
  public var lastPipeError: SPError?

  /// All drops together.
  public var totalDrops: Int { drops.values.reduce(0, +) }
}
