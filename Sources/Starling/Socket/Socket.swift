import Logging
import NIOCore
import NIOPosix

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
  var logger: Logger { get }
  var options: SocketOptions { get set }
  var statistics: SocketStatistics { get }
  var pipeFilter: (@Sendable (PipeInfo) -> Bool)? { get set }
  func pipeEvents() -> AsyncStream<PipeEvent>
  func recordReconnect()
  func add(_ endpoint: any Endpoint) throws(SPError)
  func close()
  func close(linger: Duration) async
}

extension SocketCore: SocketControl {}

extension Socket {
  /// Connects to a listener at `url`, and reconnects whenever the connection is lost.
  ///
  /// - Parameters:
  ///   - url: such as `tcp://127.0.0.1:5555`, `tls+tcp://example.com:5555`,
  ///     `ws://127.0.0.1:8080/service`, `ipc:///tmp/service.sock` or `inproc://jobs`. TLS
  ///     (`tls+tcp`, `wss`) takes its settings from ``SocketOptions/tls``.
  ///   - waitForConnection: with `true` (the default) the call returns once the first
  ///     connection is up and throws if it cannot be made; with `false` it returns at once and
  ///     connects in the background, retrying until it succeeds.
  /// - Throws: ``SPError/invalidAddress(_:reason:)``, ``SPError/unsupportedTransport(_:)``,
  ///   ``SPError/connectionRefused(_:)``, ``SPError/peerMismatch(expected:actual:)`` …
  public func dial(_ url: String, waitForConnection: Bool = true) async throws {
    // The virtual network (issue 16), until transports are looked up in a registry.
    if VirtualTransport.handles(url) {
      return try await VirtualTransport.dial(
        url, socket: socketHandle.core, waitForConnection: waitForConnection)
    }
    let address = try Address(url)
    let core = socketHandle.core
    let group = MultiThreadedEventLoopGroup.singleton
    let connect: Dialer.Connect
    switch address.transport {
    case .inproc:
      connect = { try InprocTransport.connect(address, owner: core) }
    case .tcp, .ipc, .tls:
      let tls =
        address.transport == .tls ? try TLSContext(core.options.tls, role: .dialer, address: address) : nil
      connect = {
        try await StreamTransport.connect(
          to: address, owner: core, options: core.options, tls: tls, group: group
        ).dialed
      }
    case .http, .https, .custom:
      throw SPError.unsupportedTransport(address.scheme)
    case .ws, .wss:
      let tls =
        address.transport == .wss ? try TLSContext(core.options.tls, role: .dialer, address: address) : nil
      connect = {
        try await WebSocketTransport.connect(
          to: address, owner: core, options: core.options, tls: tls, group: group
        ).dialed
      }
    }
    let dialer = Dialer(
      address: address, logger: core.logger, options: { core.options }, connect: connect,
      reconnected: { core.recordReconnect() })
    try await dialer.start(waitForConnection: waitForConnection)
    try core.add(dialer)
  }

  /// Listens at `url` for peers to connect.
  ///
  /// - Parameter url: such as `tcp://*:5555` (every interface), `tcp://127.0.0.1:0` (a free
  ///   port), `tls+tcp://*:5555`, `ws://*:8080/service` (several sockets may share a port under
  ///   different paths), `ipc:///tmp/service.sock` or `inproc://jobs`. TLS (`tls+tcp`, `wss`)
  ///   takes its certificate from ``SocketOptions/tls``.
  /// - Returns: the address listened on; with port 0, it holds the port chosen.
  /// - Throws: ``SPError/addressInUse(_:)``, ``SPError/invalidAddress(_:reason:)`` …
  @discardableResult
  public func listen(_ url: String) async throws -> Address {
    // The virtual network (issue 16), until transports are looked up in a registry.
    if VirtualTransport.handles(url) { return try VirtualTransport.listen(url, socket: socketHandle.core) }
    let address = try Address(url)
    let core = socketHandle.core
    switch address.transport {
    case .inproc:
      let listener = try InprocTransport.listen(address, owner: core)
      try core.add(listener)
      return address
    case .tcp, .ipc, .tls:
      let tls =
        address.transport == .tls ? try TLSContext(core.options.tls, role: .listener, address: address) : nil
      let listener = try await StreamListener.listen(
        address, owner: core, options: core.options, tls: tls, logger: core.logger,
        group: MultiThreadedEventLoopGroup.singleton)
      try core.add(listener)
      return listener.boundAddress
    case .http, .https, .custom:
      throw SPError.unsupportedTransport(address.scheme)
    case .ws, .wss:
      let tls =
        address.transport == .wss ? try TLSContext(core.options.tls, role: .listener, address: address) : nil
      let listener = try await WebSocketListener.listen(
        address, owner: core, options: core.options, tls: tls, logger: core.logger,
        group: MultiThreadedEventLoopGroup.singleton)
      try core.add(listener)
      return listener.boundAddress
    }
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
