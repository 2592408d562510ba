import Logging

import class StarlingChannels.Channel

/// Remote procedure calls both ways over one ``Pair1`` link: each side registers handlers the
/// other may call, and calls the other's.
///
/// ```swift
/// let peer = RPCPeer(socket: pair)
/// try peer.register("add") { (arguments: AddArguments) in arguments.a + arguments.b }
/// let running = Task { try await peer.run() }
/// let greeting: String = try await peer.call("greet", "swift", timeout: .seconds(1))
/// ```
///
/// Calls and handlers are ``RPCClient``'s and ``RPCServer``'s: `Codable` arguments and results
/// through the same ``RPCCodec`` and envelope, the same ``RPCError``s, per-call timeouts and
/// cancellation. Any number of calls run at once from many tasks, both ways; each is matched
/// to its reply by a call ID that the peer puts before the envelope (the wire is in <doc:RPC>).
///
/// ``run()`` reads the link: it answers the other side's calls and hands replies to this side's
/// callers, so calls complete only while it runs. Unlike ``Req0``, a peer never sends a call
/// twice: a call whose request or reply is lost with its connection ends with its timeout,
/// and was run at most once.
public final class RPCPeer: Sendable {
  /// The link the calls go both ways on.
  public let socket: Pair1
  /// How arguments and results are encoded; the other side must use the same.
  public var codec: any RPCCodec { handlers.codec }
  /// The most of the other side's calls handled at once; while that many run, the peer reads
  /// nothing more from the link (replies to its own calls included).
  public let maxConcurrentRequests: Int
  private let logger: Logger
  private let handlers: RPCHandlers
  private let calls: RPCPeerCalls

  /// Creates a peer on `socket`; it answers nothing, and its calls get no replies, until
  /// ``run()``.
  ///
  /// - Parameters:
  ///   - socket: a pair1 socket (not polyamorous), listening or dialed, before or after this
  ///     call.
  ///   - codec: how arguments and results are encoded; the other side must use the same.
  ///   - maxConcurrentRequests: the most of the other side's calls handled at once (at least 1).
  ///   - logger: where failed calls and unreadable messages are logged; by default the
  ///     socket's logger.
  public init(
    socket: Pair1, codec: any RPCCodec = JSONRPCCodec(), maxConcurrentRequests: Int = 64,
    logger: Logger? = nil
  ) {
    self.socket = socket
    self.maxConcurrentRequests = max(1, maxConcurrentRequests)
    var logger = logger ?? socket.core.logger
    logger[metadataKey: "rpc.role"] = "peer"
    self.logger = logger
    self.handlers = RPCHandlers(codec: codec, logger: logger)
    calls = RPCPeerCalls(clock: socket.core.clock)
  }

  // MARK: Answering

  /// Registers `handler` under `method` for the other side to call, replacing any handler
  /// registered under that name. Handlers may be registered while the peer runs.
  ///
  /// What the handler returns is encoded as the result; what it throws reaches the caller as
  /// ``RPCError/remote(type:message:)``. A handler may call the other side itself, as long
  /// as fewer than ``maxConcurrentRequests`` handlers wait on such calls at once.
  ///
  /// - Throws: ``RPCError/invalidMethodName(_:)`` if `method` is empty or longer than 255 bytes.
  public func register<Arguments: Decodable & SendableMetatype, Output: Encodable & SendableMetatype>(
    _ method: String, _ handler: @escaping @Sendable (Arguments) async throws -> Output
  ) throws(RPCError) {
    try handlers.register(method, handler)
  }

  /// Registers `handler`, which takes no arguments, under `method`, replacing any handler
  /// registered under that name.
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

  // MARK: Calling

  /// Calls the other side's `method` with `arguments` and waits for its result, up to the
  /// socket's receive timeout.
  ///
  /// - Throws: ``RPCError`` for a failed call (the remote handler threw, unknown method, bad
  ///   arguments …), ``SPError/timedOut``, ``SPError/closed``, or `CancellationError`.
  public func call<Arguments: Encodable, Output: Decodable>(
    _ method: String, _ arguments: Arguments, returning: Output.Type = Output.self
  ) async throws -> Output {
    try await call(method, arguments, returning: returning, timeout: socket.options.receiveTimeout)
  }

  /// Calls the other side's `method` with `arguments` and waits for its result, up to
  /// `timeout` (forever for `nil`), which bounds sending the request too.
  ///
  /// - Throws: ``RPCError`` for a failed call (the remote handler threw, unknown method, bad
  ///   arguments …), ``SPError/timedOut`` when no reply came within `timeout`,
  ///   ``SPError/closed`` when the peer has stopped, or `CancellationError`.
  public func call<Arguments: Encodable, Output: Decodable>(
    _ method: String, _ arguments: Arguments, returning: Output.Type = Output.self, timeout: Duration?
  ) async throws -> Output {
    try await exchange(method, arguments, timeout: timeout)
  }

  /// Calls the other side's `method`, which takes no arguments, and waits for its result, up
  /// to the socket's receive timeout.
  ///
  /// - Throws: as ``call(_:_:returning:timeout:)``.
  public func call<Output: Decodable>(
    _ method: String, returning: Output.Type = Output.self
  ) async throws -> Output {
    try await call(method, returning: returning, timeout: socket.options.receiveTimeout)
  }

  /// Calls the other side's `method`, which takes no arguments, and waits for its result, up
  /// to `timeout` (forever for `nil`).
  ///
  /// - Throws: as ``call(_:_:returning:timeout:)``.
  public func call<Output: Decodable>(
    _ method: String, returning: Output.Type = Output.self, timeout: Duration?
  ) async throws -> Output {
    try await exchange(method, RPCNoArguments?.none, timeout: timeout)
  }

  /// Sends a request and decodes its reply.
  private func exchange<Arguments: Encodable, Output: Decodable>(
    _ method: String, _ arguments: Arguments?, timeout: Duration?
  ) async throws -> Output {
    let id = try calls.start()
    defer { calls.finish(id) }
    var request = ByteBuffer()
    RPCPeerFrame.writeHead(.request, id: id, into: &request)
    try RPCCall.writeRequest(method, arguments, codec: codec, into: &request)
    let clock = socket.core.clock
    let started = clock.now
    try await socket.core.send(Message(body: request), timeout: timeout)
    let left = timeout.map { max(.zero, $0 - started.duration(to: clock.now)) }
    let reply = try await calls.reply(to: id, timeout: left)
    return try RPCCall.result(of: reply, method: method, codec: codec)
  }

  // MARK: Running

  /// A call of the other side's, for a worker of ``run()``.
  private struct Incoming: Sendable {
    var id: UInt32
    var body: ByteBuffer
  }

  /// Reads the link until the socket closes or the calling task is cancelled: answers the other
  /// side's calls (up to ``maxConcurrentRequests`` at once, each as soon as its handler returns)
  /// and hands this side's callers their replies. Then waits for the handlers still running
  /// and returns.
  ///
  /// When it returns the peer is done: calls still waiting fail with ``SPError/closed``, and
  /// so do later ones. Cancelling the task cancels the running handlers too. A message that
  /// is not a frame of this RPC is logged and dropped; a request whose envelope cannot be read
  /// gets a failure reply, as from ``RPCServer``.
  ///
  /// - Throws: an error of the socket other than ``SPError/closed`` and timeouts.
  public func run() async throws {
    defer { calls.close() }
    let incoming = Channel<Incoming>()
    try await withThrowingDiscardingTaskGroup { group in
      for _ in 0..<maxConcurrentRequests {
        group.addTask { await self.answer(incoming) }
      }
      defer { incoming.close() }
      try await read(into: incoming)
    }
  }

  /// ``run()``'s reader: replies to their callers, requests to the workers.
  private func read(into incoming: Channel<Incoming>) async throws {
    while true {
      let message: Message
      do {
        message = try await socket.receive()
      } catch SPError.closed {
        return
      } catch SPError.timedOut {
        continue
      } catch is CancellationError {
        return
      }
      let frame: RPCPeerFrame
      do {
        frame = try RPCPeerFrame(reading: message.body)
      } catch {
        logger.warning("dropped a message that is not an RPC peer frame: \(error)")
        continue
      }
      switch frame.kind {
      case .reply:
        if !calls.received(frame.id, frame.body) {
          logger.debug("dropped the reply to call \(frame.id), which no longer waits")
        }
      case .request:
        do {
          try await incoming.send(Incoming(id: frame.id, body: frame.body))
        } catch {
          return
        }
      }
    }
  }

  /// One of ``run()``'s workers: answers the other side's calls, one at a time.
  private func answer(_ incoming: Channel<Incoming>) async {
    while let call = try? await incoming.receive() {
      let result = await handlers.reply(to: call.body)
      var reply = ByteBuffer()
      reply.reserveCapacity(RPCPeerFrame.headLength + result.readableBytes)
      RPCPeerFrame.writeHead(.reply, id: call.id, into: &reply)
      reply.writeImmutableBuffer(result)
      do {
        try await socket.send(Message(body: reply))
      } catch {
        logger.debug("the reply to RPC call \(call.id) was not sent: \(error)")
      }
    }
  }
}
