/// Why a ``ByteStream`` or ``PacketStream`` operation failed.
///
/// Connecting and listening fail with `SPError` instead (refused, timed out, invalid address,
/// the TLS errors), as Starling's sockets do; a TLS failure after the handshake is also an
/// `SPError`.
public enum StreamError: Error, Sendable, Hashable, CustomStringConvertible {
  /// This side closed the stream (or, for a write, its writing half).
  case closed
  /// A write failed because the other end is gone: a child process that exited or closed its
  /// input, a peer that closed or reset the connection.
  case peerClosed
  /// A line was longer than the limit (in bytes, without its line ending). Its bytes are
  /// still in the stream, unread.
  case lineTooLong(limit: Int)
  /// No delimiter came within the limit (in bytes). The bytes are still in the stream, unread.
  case delimiterNotFound(limit: Int)
  /// The stream ended before `expected` bytes came; `received` came (and are still in the
  /// stream, unread).
  case unexpectedEnd(expected: Int, received: Int)
  /// A packet's length prefix (or a packet to send) is over the limit. Receiving closes the
  /// stream: what follows cannot be framed.
  case packetTooLarge(size: UInt64, limit: Int)
  /// The stream cannot be read, for the reason given (a child's standard input, a stream that
  /// was not piped).
  case notReadable(String)
  /// The stream cannot be written, for the reason given (a child's standard output, a stream
  /// that was not piped).
  case notWritable(String)
  /// Another read on the same stream is waiting: a stream has one reader at a time.
  case readInProgress
  /// Reading or writing failed for a reason the system gave.
  case ioFailed(String)

  /// What happened, in words.
  public var description: String {
    switch self {
    case .closed: "the stream is closed"
    case .peerClosed: "the other end has closed the stream"
    case .lineTooLong(let limit): "a line is longer than the limit of \(limit) bytes"
    case .delimiterNotFound(let limit): "no delimiter within the limit of \(limit) bytes"
    case .unexpectedEnd(let expected, let received):
      "the stream ended after \(received) of the \(expected) bytes expected"
    case .packetTooLarge(let size, let limit):
      "a packet of \(size) bytes is larger than the limit of \(limit) bytes"
    case .notReadable(let reason): "the stream cannot be read: \(reason)"
    case .notWritable(let reason): "the stream cannot be written: \(reason)"
    case .readInProgress: "another read on this stream is waiting (one reader at a time)"
    case .ioFailed(let reason): "I/O failed: \(reason)"
    }
  }
}
