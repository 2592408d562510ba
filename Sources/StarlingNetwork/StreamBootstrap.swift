import NIOCore
import NIOPosix

/// Connects and binds stream channels (`tcp://`, `tls+tcp://`, `ipc://`, `abstract://`, and the
/// TCP under `ws://` and `wss://`): the one way Starling's transports and StarlingSystem's
/// streams open them.
///
/// On every new channel the TLS handlers (with a ``TLSContext``) go first, then what the
/// caller's `initialize` adds, both on the channel's event loop before any byte is read. Every
/// failure is an ``SPError`` naming its cause.
package enum StreamBootstrap {
  /// A socket option and its value.
  package typealias Option = (ChannelOptions.Types.SocketOption, SocketOptionValue)

  /// Connects to `address` on `loop`, giving up after `timeout`.
  ///
  /// - Parameters:
  ///   - resolved: the address's socket address, if the caller resolved it (off the cooperative
  ///     pool); else it is resolved here.
  ///   - options: socket options, set on TCP channels (not on ipc ones).
  /// - Throws: ``SPError/connectionRefused(_:)`` naming the address, ``SPError/timedOut`` when
  ///   the connection was not made within `timeout`, ``SPError/invalidAddress(_:reason:)`` for a
  ///   host that does not resolve, ``SPError/connectionFailed(_:)`` for anything else.
  package static func connect(
    to address: Address, resolved: SocketAddress? = nil, tls: TLSContext?, timeout: Duration,
    options: [Option] = [], on loop: any EventLoop,
    initialize: @escaping @Sendable (any Channel) throws -> Void = { _ in }
  ) async throws(SPError) -> any Channel {
    let target: SocketAddress
    if let resolved {
      target = resolved
    } else {
      target = try address.socketAddress()
    }
    var bootstrap = ClientBootstrap(group: loop)
      .connectTimeout(TimeAmount(timeout))
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture { try prepare(channel, tls: tls, initialize: initialize) }
      }
    if address.transport != .ipc {
      for (option, value) in options {
        bootstrap = bootstrap.channelOption(option, value: value)
      }
    }
    do {
      if address.isAbstract {
        return try await bootstrap.withConnectedSocket(try UnixSocket.connect(address)).get()
      }
      return try await bootstrap.connect(to: target).get()
    } catch {
      throw SPError.describing(error).naming(address)
    }
  }

  /// Binds a listening channel at `address` (removing a stale ipc socket file first); every
  /// accepted connection gets `options`, the TLS handlers and then what `initialize` adds. The
  /// listening channel itself gets what `initializeServer` adds (before the handler that
  /// accepts), on its event loop. `resolved` is the address's socket address if the caller
  /// resolved it (off the cooperative pool); else it is resolved here. With `socket`, a
  /// descriptor of a socket already bound at `address` and listening, the channel takes that
  /// socket over (and closes it when it closes) instead of binding one.
  ///
  /// An ipc listener's socket file is not removed when the channel closes: its owner removes
  /// it when it closes, before a new listener can take the path.
  ///
  /// - Throws: ``SPError/addressInUse(_:)`` naming the address,
  ///   ``SPError/invalidAddress(_:reason:)``, ``SPError/connectionFailed(_:)``.
  package static func bind(
    _ address: Address, resolved: SocketAddress? = nil, socket: CInt? = nil, tls: TLSContext?,
    options: [Option] = [], group: any EventLoopGroup,
    initializeServer: @escaping @Sendable (any Channel) throws -> Void = { _ in },
    initialize: @escaping @Sendable (any Channel) throws -> Void
  ) async throws(SPError) -> any Channel {
    var bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .serverChannelInitializer { server in
        server.eventLoop.makeCompletedFuture { try initializeServer(server) }
      }
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture { try prepare(channel, tls: tls, initialize: initialize) }
      }
    if address.transport != .ipc {
      for (option, value) in options {
        bootstrap = bootstrap.childChannelOption(option, value: value)
      }
    }
    let server = bootstrap
    func bound(_ bind: () throws -> EventLoopFuture<any Channel>) async throws(SPError) -> any Channel {
      do {
        return try await bind().get()
      } catch {
        throw SPError.describing(error).naming(address)
      }
    }
    if let socket {
      return try await bound { server.withBoundSocket(socket) }
    }
    let target: SocketAddress
    if let resolved {
      target = resolved
    } else {
      target = try address.socketAddress()
    }
    if address.transport == .ipc {
      if !address.isAbstract { try address.removeStaleSocketFile() }
      // Bound by hand, so that the socket file is the listener's to remove (see UnixSocket).
      return try await bound { server.withBoundSocket(try UnixSocket.bind(address)) }
    }
    return try await bound { server.bind(to: target) }
  }

  private static func prepare(
    _ channel: any Channel, tls: TLSContext?, initialize: (any Channel) throws -> Void
  ) throws {
    if let tls {
      try channel.pipeline.syncOperations.addHandlers(tls.handlers())
    }
    try initialize(channel)
  }
}
