import Logging
import NIOCore
import NIOPosix

/// The tcp, tls+tcp and ipc transports: SP over a NIO stream channel.
enum StreamTransport {
  /// Adds the SP handlers to a fresh connection: TLS (with `tls`), handshake, framing, and the
  /// pipe handler.
  static func configure(
    _ channel: any Channel, address: Address, owner: any PipeOwner, options: SocketOptions,
    tls: TLSContext?, attached: EventLoopPromise<PipeID>?
  ) -> EventLoopFuture<Void> {
    let ipc = address.transport == .ipc
    return channel.eventLoop.makeCompletedFuture {
      if let tls {
        try channel.pipeline.syncOperations.addHandlers(tls.handlers())
      }
      try channel.pipeline.syncOperations.addHandlers([
        SPHandshakeHandler(protocol: owner.identity, timeout: options.handshakeTimeout.timeAmount),
        ByteToMessageHandler(SPFrameDecoder(ipc: ipc, maxSize: options.receiveMaxSize)),
        SPFrameEncoder(ipc: ipc),
        PipeChannelHandler(owner: owner, transportName: address.transport.rawValue, attached: attached),
      ])
    }
  }

  /// The socket address to bind or connect to.
  static func socketAddress(for address: Address) throws(SPError) -> SocketAddress {
    do {
      switch address.transport {
      case .ipc:
        return try SocketAddress(unixDomainSocketPath: address.socketPath)
      case .tcp, .tls, .ws, .wss:
        let host = address.host ?? (address.family == .v6 ? "::" : "0.0.0.0")
        if let literal = try? SocketAddress(ipAddress: host, port: address.port) {
          return literal
        }
        let resolved = try SocketAddress.makeAddressResolvingHost(host, port: address.port)
        switch (address.family, resolved.protocol) {
        case (.v4, .inet6), (.v6, .inet):
          throw SPError.invalidAddress(
            address.url, reason: "\(host) does not resolve to the family the scheme asks for")
        default:
          return resolved
        }
      default:
        throw SPError.unsupportedTransport(address.scheme)
      }
    } catch let error as SPError {
      throw error
    } catch {
      throw .invalidAddress(address.url, reason: "\(error)")
    }
  }

  /// The socket options of a tcp connection (tcp, tls+tcp, ws, wss).
  ///
  /// `TCP_NOTSENT_LOWAT` holds the kernel's queue of bytes not yet sent to about the send window:
  /// beyond it, the connection takes no more and the rest waits in the pipe, which then stops
  /// taking messages. Without it Linux lets the queue grow to its send buffer (a few MiB, grown
  /// automatically), all of it lost when the peer dies. Bytes sent and not yet acknowledged are
  /// not counted, so throughput over long, fast links keeps its automatic buffer.
  static func tcpOptions(_ options: SocketOptions) -> [(ChannelOptions.Types.SocketOption, SocketOptionValue)]
  {
    [
      (ChannelOptions.tcpOption(.tcp_nodelay), options.tcpNoDelay ? 1 : 0),
      (ChannelOptions.socketOption(.so_keepalive), options.tcpKeepAlive ? 1 : 0),
      (
        ChannelOptions.tcpOption(.init(rawValue: CInt(TCP_NOTSENT_LOWAT))),
        SocketOptionValue(max(1, options.sendWindow))
      ),
    ]
  }

  /// Connects once and waits for the handshake; returns the connected channel.
  static func connect(
    to address: Address, owner: any PipeOwner, options: SocketOptions, tls: TLSContext? = nil,
    group: any EventLoopGroup
  ) async throws -> any Channel {
    let target = try socketAddress(for: address)
    let loop = group.next()
    let attached = loop.makePromise(of: PipeID.self)
    var bootstrap = ClientBootstrap(group: loop)
      .connectTimeout(.seconds(10))
      .channelInitializer { channel in
        configure(channel, address: address, owner: owner, options: options, tls: tls, attached: attached)
      }
    if address.transport != .ipc {
      for (option, value) in tcpOptions(options) {
        bootstrap = bootstrap.channelOption(option, value: value)
      }
    }
    let channel: any Channel
    do {
      #if os(Linux)
      if address.isAbstract {
        channel = try await bootstrap.withConnectedSocket(try AbstractSocket.connect(address)).get()
      } else {
        channel = try await bootstrap.connect(to: target).get()
      }
      #else
      channel = try await bootstrap.connect(to: target).get()
      #endif
    } catch {
      attached.fail(error)
      throw PipeChannelHandler.describe(error).naming(address)
    }
    do {
      _ = try await attached.futureResult.get()
    } catch {
      channel.close(promise: nil)
      throw PipeChannelHandler.describe(error)
    }
    return channel
  }

  /// Binds a listening channel; every accepted connection becomes a pipe of `owner`. For an ipc
  /// path, also returns the socket file the listener made (it removes that file when it closes).
  /// A listener that runs out of file descriptors (or memory) backs off and logs why.
  static func bind(
    _ address: Address, owner: any PipeOwner, options: SocketOptions, tls: TLSContext? = nil,
    logger: Logger, group: any EventLoopGroup,
    accepted: @escaping @Sendable (any Channel) -> Void
  ) async throws -> (channel: any Channel, file: UnixSocketFile?) {
    let target = try socketAddress(for: address)
    var bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .backingOffAcceptFailures(at: address, logger: logger)
      .childChannelInitializer { channel in
        accepted(channel)
        return configure(channel, address: address, owner: owner, options: options, tls: tls, attached: nil)
      }
    if address.transport != .ipc {
      for (option, value) in tcpOptions(options) {
        bootstrap = bootstrap.childChannelOption(option, value: value)
      }
    }
    do {
      #if os(Linux)
      if address.isAbstract {
        return (try await bootstrap.withBoundSocket(try AbstractSocket.bind(address)).get(), nil)
      }
      #endif
      if address.transport == .ipc {
        let (descriptor, file) = try UnixSocketFile.bind(address)
        do {
          return (try await bootstrap.withBoundSocket(descriptor).get(), file)
        } catch {
          file.remove()
          throw error
        }
      }
      return (try await bootstrap.bind(to: target).get(), nil)
    } catch {
      throw PipeChannelHandler.describe(error).naming(address)
    }
  }
}

extension SPError {
  /// The error with the address it concerns, for refused and in-use errors.
  func naming(_ address: Address) -> SPError {
    switch self {
    case .connectionRefused: .connectionRefused(address.url)
    case .addressInUse: .addressInUse(address.url)
    default: self
    }
  }
}
