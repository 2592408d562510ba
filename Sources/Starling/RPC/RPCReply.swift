/// An RPC reply as ``RPCEnvelope/readReply(_:)`` reads it from a message body.
public enum RPCReply: Sendable, Hashable {
  /// The call succeeded; the payload is the result in the codec's encoding.
  case success(payload: ByteBuffer)
  /// The call failed: why (never ``RPCStatus/ok``), the error's type name and its message.
  case failure(RPCStatus, type: String, message: String)
}
