/// Something that happened on a ``VirtualNetwork``, as its ``VirtualNetwork/events`` record
/// it (when made with `recordsEvents`). Times are virtual: the time since the network was made,
/// on its clock.
///
/// Two runs of a scenario that send the same messages in the same order on networks with the
/// same seed record the same events; that is how a test shows a fault sequence is reproducible.
public enum VirtualNetworkEvent: Sendable, Hashable, CustomStringConvertible {
  /// A message of `bytes` bytes left host `from` for host `to` at `sent`, on connection
  /// `connection`, and is to arrive at `arrives`.
  case message(connection: UInt64, from: String, to: String, bytes: Int, sent: Duration, arrives: Duration)
  /// A connection between `from` (its dialer's host) and `to` was made at `at`.
  case connected(connection: UInt64, from: String, to: String, at: Duration)
  /// A dial from `from` to `to` failed at `at`, for `reason`.
  case refused(from: String, to: String, reason: String, at: Duration)
  /// A connection was reset at `at`, for `reason`: its messages in flight are lost.
  case reset(connection: UInt64, reason: String, at: Duration)

  /// The event in words, with its time.
  public var description: String {
    switch self {
    case .message(let connection, let from, let to, let bytes, let sent, let arrives):
      "\(sent): #\(connection) \(from) -> \(to) \(bytes) bytes, arrives \(arrives)"
    case .connected(let connection, let from, let to, let at):
      "\(at): #\(connection) \(from) -> \(to) connected"
    case .refused(let from, let to, let reason, let at):
      "\(at): \(from) -> \(to) refused: \(reason)"
    case .reset(let connection, let reason, let at):
      "\(at): #\(connection) reset: \(reason)"
    }
  }
}
