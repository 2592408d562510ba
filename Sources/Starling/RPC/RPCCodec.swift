/// How an RPC's arguments and results are turned into bytes and back.
///
/// ``JSONRPCCodec`` is the default. A codec must be the same at both ends of a connection: the
/// envelope does not say which codec made the payload.
public protocol RPCCodec: Sendable {
  /// Appends the encoding of `value` to `buffer`.
  func encode<Value: Encodable>(_ value: Value, into buffer: inout ByteBuffer) throws
  /// Decodes a value of type `type` from all of `buffer`'s readable bytes.
  func decode<Value: Decodable>(_ type: Value.Type, from buffer: ByteBuffer) throws -> Value
}
