import NIOCore

/// A whole WebSocket message: fragments are joined before it is delivered.
public enum WebSocketMessage: Sendable, Hashable, CustomStringConvertible {
  /// A text message (valid UTF-8: text that is not closes the connection with 1007).
  case text(String)
  /// A binary message.
  case binary(ByteBuffer)

  /// The text of a text message; `nil` for a binary one.
  public var text: String? {
    if case .text(let text) = self { text } else { nil }
  }

  /// The bytes of a binary message; `nil` for a text one.
  public var binary: ByteBuffer? {
    if case .binary(let bytes) = self { bytes } else { nil }
  }

  /// A description in words.
  public var description: String {
    switch self {
    case .text(let text): "text(\(text.count > 64 ? text.prefix(64) + "…" : text[...]))"
    case .binary(let bytes): "binary(\(bytes.readableBytes) bytes)"
    }
  }
}
