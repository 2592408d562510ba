/// The RPC envelope: how a method name, arguments, results and errors sit in the bodies of req/rep
/// messages. Made to be written by hand from any nng binding (see <doc:RPC>).
///
/// Request body:
///
///     u8 n (1...255) | method name (n bytes, UTF-8) | arguments (codec payload, the rest)
///
/// Reply body:
///
///     u8 status 0    | result (codec payload, the rest)
///     u8 status 1...4 | u16 t (big endian) | error type name (t bytes, UTF-8) | message (UTF-8, the rest)
///
/// The statuses are ``RPCStatus``. The codec payload is whatever the ``RPCCodec`` writes; with
/// ``JSONRPCCodec`` it is a JSON text.
public enum RPCEnvelope {
  /// The longest method name, in bytes of UTF-8.
  public static let maxMethodNameLength = 255
  /// The longest error type name, in bytes of UTF-8; longer ones are cut.
  public static let maxTypeNameLength = Int(UInt16.max)

  /// Writes a request's head (the method name and its length) to `buffer`; the arguments follow.
  ///
  /// - Throws: ``RPCError/invalidMethodName(_:)`` for an empty name or one longer than 255 bytes.
  public static func writeRequestHead(method: String, into buffer: inout ByteBuffer) throws(RPCError) {
    let length = method.utf8.count
    guard length > 0, length <= maxMethodNameLength else { throw .invalidMethodName(method) }
    buffer.writeInteger(UInt8(length))
    buffer.writeString(method)
  }

  /// Reads a request body: the method name and the arguments' payload.
  ///
  /// - Throws: ``RPCError/malformedRequest(_:)`` saying what is wrong.
  public static func readRequest(_ body: ByteBuffer) throws(RPCError) -> (method: String, payload: ByteBuffer)
  {
    var body = body
    guard let length = body.readInteger(as: UInt8.self) else {
      throw .malformedRequest("the body is empty; it must start with the method name's length")
    }
    guard length > 0 else { throw .malformedRequest("the method name is empty") }
    guard let name = body.readSlice(length: Int(length)) else {
      throw .malformedRequest(
        "the method name is \(length) bytes long but only \(body.readableBytes) bytes follow")
    }
    guard let method = String(validating: name.readableBytesView, as: UTF8.self) else {
      throw .malformedRequest("the method name is not valid UTF-8")
    }
    return (method, body)
  }

  /// Writes the head of a successful reply to `buffer`; the result follows.
  public static func writeSuccessHead(into buffer: inout ByteBuffer) {
    buffer.writeInteger(RPCStatus.ok.rawValue)
  }

  /// Writes a whole failure reply to `buffer`: `status`, the error's type name (cut to 65,535
  /// bytes) and its message.
  public static func writeFailure(
    _ status: RPCStatus, type: String, message: String, into buffer: inout ByteBuffer
  ) {
    let typeBytes = type.utf8.prefix(maxTypeNameLength)
    buffer.writeInteger(status.rawValue)
    buffer.writeInteger(UInt16(typeBytes.count))
    buffer.writeBytes(typeBytes)
    buffer.writeString(message)
  }

  /// Reads a reply body.
  ///
  /// - Throws: ``RPCError/malformedReply(_:)`` saying what is wrong.
  public static func readReply(_ body: ByteBuffer) throws(RPCError) -> RPCReply {
    var body = body
    guard let byte = body.readInteger(as: UInt8.self) else {
      throw .malformedReply("the body is empty; it must start with a status byte")
    }
    guard let status = RPCStatus(rawValue: byte) else {
      throw .malformedReply("unknown status \(byte)")
    }
    if status == .ok { return .success(payload: body) }
    guard let length = body.readInteger(as: UInt16.self) else {
      throw .malformedReply("a failure (status \(byte)) without the length of the error's type name")
    }
    guard let type = body.readString(length: Int(length)) else {
      throw .malformedReply(
        "the error's type name is \(length) bytes long but only \(body.readableBytes) bytes follow")
    }
    return .failure(status, type: type, message: body.readString(length: body.readableBytes) ?? "")
  }
}
