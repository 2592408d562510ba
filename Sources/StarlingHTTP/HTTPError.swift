/// Why an HTTP server, a request or a reply failed.
public enum HTTPError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The request was answered already (by a reply, an upgrade, or by the server itself, as
  /// with a body over the limit).
  case alreadyAnswered
  /// The request body was asked for a second time; it can be read once.
  case bodyAlreadyRead
  /// The request body is larger than `limit` bytes; the server answered 413.
  case bodyTooLarge(limit: Int)
  /// The connection closed before the request body was whole or the reply was written.
  case connectionClosed
  /// The request is not a WebSocket upgrade request (or not a valid one); `reason` says why.
  case notAWebSocketUpgrade(reason: String)
  /// The server is stopped or closed.
  case serverClosed

  /// A description in words.
  public var description: String {
    switch self {
    case .alreadyAnswered: "the request was answered already"
    case .bodyAlreadyRead: "the request body was read already; it can be read once"
    case .bodyTooLarge(let limit): "the request body is larger than \(limit) bytes (answered 413)"
    case .connectionClosed: "the connection closed before the exchange was complete"
    case .notAWebSocketUpgrade(let reason): "not a WebSocket upgrade request: \(reason)"
    case .serverClosed: "the server is closed"
    }
  }
}
