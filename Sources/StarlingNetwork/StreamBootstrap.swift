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
  /// - Parameter options: socket options, set on TCP channels (not on ipc ones).
  /// - Throws: ``SPError/connectionRefused(_:)`` naming the address, ``SPError/timedOut`` when
  ///   the connection was not made within `timeout`, ``SPError/invalidAddress(_:reason:)`` for a
  ///   host that does not resolve, ``SPError/connectionFailed(_:)`` for anything else.
  package static func connect(
    to address: Address, tls: TLSContext?, timeout: Duration, options: [Option] = [],
    on loop: any EventLoop,
    initialize: @escaping @Sendable (any Channel) throws -> Void = { _ in }
  ) async throws(SPError) -> any Channel {
    let target = try address.socketAddress()
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
  /// accepts), on its event loop.
  ///
  /// An ipc listener's socket file is not removed when the channel closes: its owner removes
  /// it when it closes, before a new listener can take the path.
  ///
  /// - Throws: ``SPError/addressInUse(_:)`` naming the address,
  ///   ``SPError/invalidAddress(_:reason:)``, ``SPError/connectionFailed(_:)``.
  package static func bind(
    _ address: Address, tls: TLSContext?, options: [Option] = [], group: any EventLoopGroup,
    initializeServer: @escaping @Sendable (any Channel) throws -> Void = { _ in },
    initialize: @escaping @Sendable (any Channel) throws -> Void
  ) async throws(SPError) -> any Channel {
    let target = try address.socketAddress()
    if address.transport == .ipc, !address.isAbstract {
      try address.removeStaleSocketFile()
    }
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
    do {
      if address.transport == .ipc {
        // Bound by hand, so that the socket file is the listener's to remove (see UnixSocket).
        return try await bootstrap.withBoundSocket(try UnixSocket.bind(address)).get()
      }
      return try await bootstrap.bind(to: target).get()
    } catch {
      throw SPError.describing(error).naming(address)
    }
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
