/// The calling side of the envelope, shared by ``RPCClient`` and ``RPCPeer``: a request body
/// from a method name and arguments, a result (or the ``RPCError`` it stands for) from a reply
/// body.
enum RPCCall {
  /// Appends the request for `method` with `arguments` (none for `nil`) to `buffer`.
  ///
  /// - Throws: ``RPCError/invalidMethodName(_:)``, ``RPCError/argumentsNotEncodable(method:reason:)``.
  static func writeRequest<Arguments: Encodable>(
    _ method: String, _ arguments: Arguments?, codec: any RPCCodec, into buffer: inout ByteBuffer
  ) throws(RPCError) {
    try RPCEnvelope.writeRequestHead(method: method, into: &buffer)
    guard let arguments else { return }
    do {
      try codec.encode(arguments, into: &buffer)
    } catch {
      throw RPCError.argumentsNotEncodable(method: method, reason: RPCFailure.describe(error))
    }
  }

  /// The result in a reply body to a call of `method`.
  ///
  /// - Throws: the ``RPCError`` a failure reply stands for, ``RPCError/malformedReply(_:)``,
  ///   ``RPCError/undecodableResult(method:reason:)``.
  static func result<Output: Decodable>(
    of reply: ByteBuffer, method: String, codec: any RPCCodec
  ) throws(RPCError) -> Output {
    switch try RPCEnvelope.readReply(reply) {
    case .success(let payload):
      do {
        return try codec.decode(Output.self, from: payload)
      } catch {
        throw RPCError.undecodableResult(method: method, reason: RPCFailure.describe(error))
      }
    case .failure(let status, let type, let message):
      throw error(status, type: type, message: message, method: method)
    }
  }

  /// The error a failure reply stands for.
  static func error(_ status: RPCStatus, type: String, message: String, method: String) -> RPCError {
    switch status {
    case .handlerError: .remote(type: type, message: message)
    case .unknownMethod: .unknownMethod(method)
    case .badArguments: .badArguments(method: method, reason: message)
    case .malformedRequest: .malformedRequest(message)
    case .ok: .malformedReply("a failure reply with status ok")
    }
  }
}

/// The arguments of a call without any: the request carries no payload.
struct RPCNoArguments: Encodable {}
