import Logging

/// A connection after its handshake, as the socket core sees it: a transport's half of a pipe.
///
/// Transports implement it (a NIO channel for tcp and ipc, a pair of in-memory endpoints for
/// inproc) and hand it to their socket with ``PipeOwner/attach(_:)``. Writes never block: a pipe that cannot take more (its send window is full) reports
/// itself not writable through ``PipeOwner/writabilityChanged(_:writable:sequence:)``, and the
/// socket writes to it no more until it reports itself writable again.
public protocol PipeConnection: AnyObject, Sendable {
  /// The pipe's identifier.
  var id: PipeID { get }
  /// The transport's name, for logs and statistics (`tcp`, `ipc`, `inproc`).
  var transportName: String { get }
  /// The peer's address, for logs.
  var peerDescription: String { get }
  /// Queues a message for the peer.
  func write(_ message: Message)
  /// The socket's reading state for this pipe changed (backpressure from a full receive
  /// queue, or room again). The pipe applies ``PipeOwner/isReading(_:)`` as it is when the
  /// change takes effect, so that changes reported from different threads cannot leave it in
  /// a stale state.
  func readingChanged()
  /// Closes the connection. The owner hears of it through ``PipeOwner/detach(_:reason:)``.
  func close()
  /// Hands the peer what the pipe holds, then closes the connection: returns once the peer's
  /// side has every byte written so far, or after `linger`, whichever comes first.
  func close(linger: Duration) async
}

extension PipeConnection {
  /// A pipe that holds nothing of its own (inproc delivers as it writes) just closes.
  public func close(linger: Duration) async {
    close()
  }
}

/// What a transport reports to: a socket, seen without its protocol type.
///
/// A transport attaches each connection, once its handshake is done, as a ``PipeConnection``;
/// then hands the socket every message that comes in on it, tells it when the pipe's
/// writability changes, and detaches it when the connection ends. Any thread may call.
public protocol PipeOwner: AnyObject, Sendable {
  /// The socket's protocol, for the handshake.
  var identity: SPProtocol { get }
  /// The socket's options as they are now (receive limit, send window, handshake timeout, TLS
  /// …): a transport reads them when it makes a connection.
  var options: SocketOptions { get }
  /// The socket's logger (its metadata names the socket and protocol), for what a transport
  /// logs on the socket's behalf.
  var logger: Logger { get }
  /// A pipe finished its handshake. Returns `false` if the socket refuses it (the transport
  /// then closes it).
  func attach(_ pipe: any PipeConnection) -> Bool
  /// A message arrived on a pipe: the whole SP message (protocol header included) in its
  /// body, as it came off the wire (see ``Message/wireForm``).
  func received(_ message: Message, on pipe: PipeID)
  /// Messages arrived on a pipe, in this order (the frames of one read): the same as one call
  /// per message, but a socket takes them under one lock.
  func received(_ messages: [Message], on pipe: PipeID)
  /// Whether the socket wants messages from this pipe now (`false` while its receive queue is
  /// full).
  func isReading(_ pipe: PipeID) -> Bool
  /// A pipe can (or can no longer) take messages. Reports may come from several threads and
  /// arrive out of order: `sequence` numbers them in the order the pipe saw its state, from 1
  /// up, and the socket ignores a report older than one it has applied.
  func writabilityChanged(_ pipe: PipeID, writable: Bool, sequence: UInt64)
  /// A pipe is gone; `reason` says why when it was not an orderly close.
  func detach(_ pipe: PipeID, reason: SPError?)
  /// A connection failed before it became a pipe (bad handshake, wrong peer, timeout).
  func connectionFailed(_ reason: SPError, peer: String)
}

extension PipeOwner {
  /// Each message in turn, for an owner with nothing better to do with a batch.
  public func received(_ messages: [Message], on pipe: PipeID) {
    for message in messages { received(message, on: pipe) }
  }
}
