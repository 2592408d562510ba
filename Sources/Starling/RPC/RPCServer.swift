import Logging

/// Answers remote procedure calls on a ``Rep0`` socket: handlers registered by name, with
/// `Codable` arguments and results.
///
/// ```swift
/// struct AddArguments: Codable { var a: Int; var b: Int }
///
/// let rep = Rep0()
/// try await rep.listen("tcp://*:5555")
/// let server = RPCServer(socket: rep)
/// try server.register("add") { (arguments: AddArguments) in arguments.a + arguments.b }
/// try await server.run()
/// ```
///
/// ``run()`` handles up to ``maxConcurrentRequests`` requests at once and answers each as soon
/// as its handler returns, so replies go out in any order. A request that cannot be answered
/// normally (a malformed envelope, an unknown method, arguments that do not decode, a handler
/// that throws) gets a failure reply that the caller sees as an ``RPCError``; the server logs
/// it and keeps serving. The wire format is in <doc:RPC>.
public final class RPCServer: Sendable {
  /// The socket the server answers on.
  public let socket: Rep0
  /// How arguments are decoded and results encoded.
  public var codec: any RPCCodec { handlers.codec }
  /// The most requests handled at once; further requests wait in the socket.
  public let maxConcurrentRequests: Int
  private let logger: Logger
  private let handlers: RPCHandlers

  /// Creates a server on `socket`; it answers nothing until ``run()``.
  ///
  /// - Parameters:
  ///   - socket: a rep socket, listening or dialed (before or after this call).
  ///   - codec: how arguments and results are encoded; the clients must use the same.
  ///   - maxConcurrentRequests: the most requests handled at once (at least 1): ``run()``
  ///     runs this many tasks, each taking the next request from the socket when it is free.
  ///   - logger: where failed calls are logged; by default the socket's logger.
  public init(
    socket: Rep0, codec: any RPCCodec = JSONRPCCodec(), maxConcurrentRequests: Int = 64,
    logger: Logger? = nil
  ) {
    self.socket = socket
    self.maxConcurrentRequests = max(1, maxConcurrentRequests)
    var logger = logger ?? socket.core.logger
    logger[metadataKey: "rpc.role"] = "server"
    self.logger = logger
    self.handlers = RPCHandlers(codec: codec, logger: logger)
  }

  /// Registers `handler` under `method`, replacing any handler registered under that name.
  /// Handlers may be registered while the server runs.
  ///
  /// The handler receives the decoded arguments; what it returns is encoded as the result, and
  /// what it throws reaches the caller as ``RPCError/remote(type:message:)`` with the error's
  /// type name and description.
  ///
  /// - Throws: ``RPCError/invalidMethodName(_:)`` if `method` is empty or longer than 255 bytes.
  public func register<Arguments: Decodable & SendableMetatype, Output: Encodable & SendableMetatype>(
    _ method: String, _ handler: @escaping @Sendable (Arguments) async throws -> Output
  ) throws(RPCError) {
    try handlers.register(method, handler)
  }

  /// Registers `handler`, which takes no arguments, under `method`, replacing any handler
  /// registered under that name. Whatever payload the request carries is ignored.
  ///
  /// - Throws: ``RPCError/invalidMethodName(_:)`` if `method` is empty or longer than 255 bytes.
  public func register<Output: Encodable & SendableMetatype>(
    _ method: String, _ handler: @escaping @Sendable () async throws -> Output
  ) throws(RPCError) {
    try handlers.register(method, handler)
  }

  /// Removes the handler registered under `method`; later calls to it fail with
  /// ``RPCError/unknownMethod(_:)``.
  public func unregister(_ method: String) {
    handlers.unregister(method)
  }

  /// The names of the registered methods, sorted.
  public var methods: [String] {
    handlers.methods
  }

  /// Receives and answers requests until the socket closes or the calling task is cancelled,
  /// then waits for the handlers still running and returns.
  ///
  /// Cancelling the task cancels the running handlers too. Run it in a task of its own (or a
  /// task group) and close the socket or cancel the task to stop it.
  ///
  /// - Throws: an error of the socket other than ``SPError/closed`` and timeouts (a receive
  ///   timeout on the socket only makes the server wait again).
  public func run() async throws {
    try await withThrowingDiscardingTaskGroup { group in
      for _ in 0..<maxConcurrentRequests {
        group.addTask { try await self.serve() }
      }
    }
  }

  /// One of ``run()``'s workers: takes a request, answers it, takes the next.
  private func serve() async throws {
    while true {
      let request: Request
      do {
        request = try await socket.nextRequest()
      } catch SPError.closed {
        return
      } catch SPError.timedOut {
        continue
      } catch is CancellationError {
        return
      }
      let body = await handlers.reply(to: request.message.body)
      do {
        try await request.reply(Message(body: body))
      } catch {
        logger.debug("the reply to an RPC request was not sent: \(error)")
      }
    }
  }
}
