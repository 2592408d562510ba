/// What every socket type shares: dialing, listening, options, statistics and closing.
///
/// The protocol-specific operations (``Push0/send(_:)``, ``Req0/request(_:)`` …) live on each
/// socket type, so an operation a protocol does not have cannot be written.
public protocol Socket: Sendable {
  /// The machinery behind the socket. Not for direct use.
  var socketHandle: SocketHandle { get }
}

/// The machinery behind a socket, shared by the operations every socket has. Not for direct use.
public struct SocketHandle: Sendable {
  let core: any SocketControl
}

/// The operations of a socket core that do not depend on its protocol.
protocol SocketControl: PipeOwner {
  var options: SocketOptions { get set }
  var statistics: SocketStatistics { get }
  var pipeFilter: (@Sendable (PipeInfo) -> Bool)? { get set }
  func pipeEvents() -> AsyncStream<PipeEvent>
  func recordReconnect()
  func add(_ endpoint: any Endpoint) throws(SPError)
  func closePipe(_ id: PipeID) throws(SPError)
  func close()
  func close(linger: Duration) async
}

extension SocketCore: SocketControl {}

extension Socket {
  /// Connects to a listener at `url`, and reconnects whenever the connection is lost.
  ///
  /// - Parameters:
  ///   - url: such as `tcp://127.0.0.1:5555`, `tls+tcp://example.com:5555`,
  ///     `ws://127.0.0.1:8080/service`, `ipc:///tmp/service.sock` or `inproc://jobs`, or a scheme
  ///     of a transport registered in ``SocketOptions/transports``. TLS (`tls+tcp`, `wss`) takes
  ///     its settings from ``SocketOptions/tls``.
  ///   - waitForConnection: with `true` (the default) the call returns once the first
  ///     connection is up and throws if it cannot be made; with `false` it returns at once and
  ///     connects in the background, retrying until it succeeds.
  /// - Returns: the dialer, to close on its own (the socket keeps its other endpoints); the
  ///   socket closes it when it closes.
  /// - Throws: ``SPError/invalidAddress(_:reason:)``, ``SPError/unsupportedTransport(_:)``,
  ///   ``SPError/connectionRefused(_:)``, ``SPError/peerMismatch(expected:actual:)`` …
  @discardableResult
  public func dial(_ url: String, waitForConnection: Bool = true) async throws -> Dialer {
    let core = socketHandle.core
    let (transport, address, context) = try core.options.transports.resolve(url)
    let connector = try transport.dialer(for: address, socket: core, context: context)
    let dialer = Dialer(
      address: address, logger: core.logger, options: { core.options },
      connect: { try await connector.connect() },
      reconnected: { core.recordReconnect() })
    try await dialer.start(waitForConnection: waitForConnection)
    try core.add(dialer)
    return dialer
  }

  /// Listens at `url` for peers to connect.
  ///
  /// - Parameter url: such as `tcp://*:5555` (every interface), `tcp://127.0.0.1:0` (a free
  ///   port), `tls+tcp://*:5555`, `ws://*:8080/service` (several sockets may share a port under
  ///   different paths), `ipc:///tmp/service.sock` or `inproc://jobs`, or a scheme of a
  ///   transport registered in ``SocketOptions/transports``. TLS (`tls+tcp`, `wss`) takes its
  ///   certificate from ``SocketOptions/tls``.
  /// - Returns: the listener, to close on its own (the socket keeps its other endpoints); its
  ///   ``Listener/address`` is the address listened on (with port 0, the port chosen).
  /// - Throws: ``SPError/addressInUse(_:)``, ``SPError/invalidAddress(_:reason:)``,
  ///   ``SPError/unsupportedTransport(_:)`` …
  @discardableResult
  public func listen(_ url: String) async throws -> Listener {
    let core = socketHandle.core
    let (transport, address, context) = try core.options.transports.resolve(url)
    let listener = Listener(try await transport.listen(at: address, socket: core, context: context))
    try core.add(listener)
    return listener
  }

  /// Closes one pipe (one connection), by the id that ``PipeInfo/id`` and ``Message/pipe``
  /// give; the socket keeps its other pipes, and a dialer whose pipe it was redials (as
  /// `nng_pipe_close`).
  ///
  /// - Throws: ``SPError/badState(_:)`` if the socket has no open pipe with this id.
  public func closePipe(_ id: PipeID) throws(SPError) {
    try socketHandle.core.closePipe(id)
  }

  /// The socket's options. Changes apply to operations that start afterwards (and, for
  /// connection options, to connections made afterwards).
  public var options: SocketOptions {
    get { socketHandle.core.options }
    nonmutating set {
      socketHandle.core.options = newValue
    }
  }

  /// What the socket has done so far: messages, bytes, pipes, drops and protocol errors.
  public var statistics: SocketStatistics {
    socketHandle.core.statistics
  }

  /// Pipes joining and leaving the socket, in the order the socket saw them, starting with an
  /// ``PipeEvent/added(_:)`` for each pipe open now. The sequence ends when the socket closes
  /// (after a ``PipeEvent/removed(_:reason:)`` for each pipe still open); each call makes a new,
  /// independent sequence.
  public func pipeEvents() -> AsyncStream<PipeEvent> {
    socketHandle.core.pipeEvents()
  }

  /// Decides, for each new pipe after its handshake and before any use, whether the socket
  /// takes it (`true`) or closes it (`false`, counted in ``SocketStatistics/pipesRefused`` and
  /// logged). `nil`, the default, takes every pipe. The filter runs on a transport's thread:
  /// keep it quick.
  public var pipeFilter: (@Sendable (PipeInfo) -> Bool)? {
    get { socketHandle.core.pipeFilter }
    nonmutating set { socketHandle.core.pipeFilter = newValue }
  }

  /// Closes the socket: pending operations fail with ``SPError/closed``, and every dialer,
  /// listener and connection closes. Closing twice does nothing.
  ///
  /// Messages a connection still holds (sent, but not yet taken by the kernel) are lost, as
  /// with `nng_close`; ``close(linger:)`` delivers them first.
  public func close() {
    socketHandle.core.close()
  }

  /// Closes the socket once its connections have handed their peers every message they hold,
  /// waiting at most `linger` for a peer that does not read; then as ``close()``.
  ///
  /// Each connection writes what it holds, ends its output (the peer reads the messages, then
  /// the end of the stream) and closes. Use it after a producer's last `send`, where ``close()``
  /// could lose the last messages still on their way to the kernel. Messages sent while it
  /// runs may be lost.
  public func close(linger: Duration) async {
    await socketHandle.core.close(linger: linger)
  }
}
