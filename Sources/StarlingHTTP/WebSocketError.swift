/// Why a WebSocket closed or could not be opened.
public enum WebSocketError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The connection closed with `code`: sent by the peer, or by this end when the peer broke
  /// the protocol (`reason` says how). A normal closure (1000) or going away (1001) ends
  /// ``WebSocket/messages`` without this error.
  case closed(code: WebSocket.CloseCode, reason: String)
  /// The connection was lost without a close frame.
  case connectionLost
  /// ``WebSocket/connect(_:subprotocols:headers:configuration:)`` could not open the
  /// connection: the server refused the upgrade, or answered it wrongly.
  case upgradeFailed(String)

  /// A description in words.
  public var description: String {
    switch self {
    case .closed(let code, let reason):
      "the WebSocket closed with \(code)\(reason.isEmpty ? "" : ": \(reason)")"
    case .connectionLost: "the WebSocket connection was lost without a close frame"
    case .upgradeFailed(let reason): "the WebSocket upgrade failed: \(reason)"
    }
  }
}
