import Logging

import struct StarlingChannels.Lock

/// The handlers an ``RPCServer`` or an ``RPCPeer`` answers calls with: registered by name, each
/// turning a request's arguments into a reply body. Failed calls are logged here.
final class RPCHandlers: Sendable {
  /// A registered handler: the arguments' payload in, the whole reply body or a failure out.
  typealias Handler = @Sendable (ByteBuffer) async -> Result<ByteBuffer, RPCFailure>

  /// How arguments are decoded and results encoded.
  let codec: any RPCCodec
  private let logger: Logger
  private let table = Lock<[String: Handler]>.make([:])

  init(codec: any RPCCodec, logger: Logger) {
    self.codec = codec
    self.logger = logger
  }

  /// Registers `handler`, which takes decoded arguments, under `method`.
  func register<Arguments: Decodable & SendableMetatype, Output: Encodable & SendableMetatype>(
    _ method: String, _ handler: @escaping @Sendable (Arguments) async throws -> Output
  ) throws(RPCError) {
    let codec = self.codec
    try install(method) { payload in
      let arguments: Arguments
      do {
        arguments = try codec.decode(Arguments.self, from: payload)
      } catch {
        return .failure(RPCFailure(.badArguments, error: error))
      }
      return await Self.respond(codec) { try await handler(arguments) }
    }
  }

  /// Registers `handler`, which takes no arguments, under `method`.
  func register<Output: Encodable & SendableMetatype>(
    _ method: String, _ handler: @escaping @Sendable () async throws -> Output
  ) throws(RPCError) {
    let codec = self.codec
    try install(method) { _ in await Self.respond(codec, handler) }
  }

  /// Puts `handler` in the table under `method`.
  private func install(_ method: String, _ handler: @escaping Handler) throws(RPCError) {
    let length = method.utf8.count
    guard length > 0, length <= RPCEnvelope.maxMethodNameLength else { throw .invalidMethodName(method) }
    table.withLock { $0[method] = handler }
  }

  /// Runs a handler and makes its reply body: the encoded result, or the failure it threw.
  private static func respond<Output: Encodable & SendableMetatype>(
    _ codec: any RPCCodec, _ handler: () async throws -> Output
  ) async -> Result<ByteBuffer, RPCFailure> {
    let output: Output
    do {
      output = try await handler()
    } catch {
      return .failure(RPCFailure(.handlerError, error: error))
    }
    var body = ByteBuffer()
    RPCEnvelope.writeSuccessHead(into: &body)
    do {
      try codec.encode(output, into: &body)
    } catch {
      return .failure(RPCFailure(.handlerError, error: error))
    }
    return .success(body)
  }

  /// Removes the handler registered under `method`.
  func unregister(_ method: String) {
    _ = table.withLock { $0.removeValue(forKey: method) }
  }

  /// The names of the registered methods, sorted.
  var methods: [String] {
    table.withLock { $0.keys.sorted() }
  }

  /// The reply body for a request body: the handler's result, or a failure (logged).
  func reply(to body: ByteBuffer) async -> ByteBuffer {
    let method: String
    let payload: ByteBuffer
    do throws(RPCError) {
      (method, payload) = try RPCEnvelope.readRequest(body)
    } catch {
      let reason = if case .malformedRequest(let reason) = error { reason } else { error.description }
      return failed(RPCFailure(.malformedRequest, message: reason), method: nil)
    }
    guard let handler = table.withLock({ $0[method] }) else {
      return failed(
        RPCFailure(.unknownMethod, message: "no handler is registered for '\(method)'"), method: method)
    }
    switch await handler(payload) {
    case .success(let reply): return reply
    case .failure(let failure): return failed(failure, method: method)
    }
  }

  /// Logs `failure` and returns its reply body.
  private func failed(_ failure: RPCFailure, method: String?) -> ByteBuffer {
    var metadata: Logger.Metadata = ["rpc.status": "\(failure.status)"]
    if let method { metadata["rpc.method"] = "\(method)" }
    switch failure.status {
    case .handlerError:
      logger.notice("RPC handler threw \(failure.type): \(failure.message)", metadata: metadata)
    case .unknownMethod:
      logger.warning("RPC call to an unknown method: \(failure.message)", metadata: metadata)
    case .badArguments:
      logger.warning("RPC call with bad arguments: \(failure.message)", metadata: metadata)
    case .malformedRequest, .ok:
      logger.warning("malformed RPC request: \(failure.message)", metadata: metadata)
    }
    return failure.replyBody
  }
}
