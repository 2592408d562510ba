import NIOCore
import NIOPosix
import StarlingNetwork

/// The tcp, tls+tcp and ipc transports: SP over a NIO stream channel.
enum StreamTransport {
  /// Adds the SP handlers to a fresh connection (after its TLS handlers): handshake, framing,
  /// and the pipe handler. Runs on the channel's event loop.
  static func configure(
    _ channel: any Channel, address: Address, owner: any PipeOwner, options: SocketOptions,
    attached: EventLoopPromise<PipeID>?
  ) throws {
    let ipc = address.transport == .ipc
    try channel.pipeline.syncOperations.addHandlers([
      SPHandshakeHandler(protocol: owner.identity, timeout: options.handshakeTimeout.timeAmount),
      ByteToMessageHandler(SPFrameDecoder(ipc: ipc, maxSize: options.receiveMaxSize)),
      SPFrameEncoder(ipc: ipc),
      PipeChannelHandler(owner: owner, transportName: address.transport.rawValue, attached: attached),
    ])
  }

  static func tcpOptions(_ options: SocketOptions) -> [StreamBootstrap.Option] {
    [
      (ChannelOptions.socketOption(.tcp_nodelay), options.tcpNoDelay ? 1 : 0),
      (ChannelOptions.socketOption(.so_keepalive), options.tcpKeepAlive ? 1 : 0),
    ]
  }

  /// Connects once and waits for the handshake; returns the connected channel.
  static func connect(
    to address: Address, owner: any PipeOwner, options: SocketOptions, tls: TLSContext? = nil,
    group: any EventLoopGroup
  ) async throws -> any Channel {
    let loop = group.next()
    let attached = loop.makePromise(of: PipeID.self)
    let channel: any Channel
    do {
      channel = try await StreamBootstrap.connect(
        to: address, tls: tls, timeout: .seconds(10), options: tcpOptions(options), on: loop
      ) { channel in
        try configure(channel, address: address, owner: owner, options: options, attached: attached)
      }
    } catch {
      attached.fail(error)
      throw error
    }
    do {
      _ = try await attached.futureResult.get()
    } catch {
      channel.close(promise: nil)
      throw SPError.describing(error)
    }
    return channel
  }

  /// Binds a listening channel; every accepted connection becomes a pipe of `owner`.
  static func bind(
    _ address: Address, owner: any PipeOwner, options: SocketOptions, tls: TLSContext? = nil,
    group: any EventLoopGroup,
    accepted: @escaping @Sendable (any Channel) -> Void
  ) async throws -> any Channel {
    try await StreamBootstrap.bind(address, tls: tls, options: tcpOptions(options), group: group) { channel in
      accepted(channel)
      try configure(channel, address: address, owner: owner, options: options, attached: nil)
    }
  }
}
