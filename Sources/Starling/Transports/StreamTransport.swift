import Logging
import NIOCore
import NIOPosix
import StarlingNetwork

/// The tcp, tls+tcp and ipc transports: SP over a NIO stream channel.
enum StreamTransport {
  /// Adds the SP handlers to a fresh connection (after its TLS handlers): handshake, the frame
  /// decoder, and the pipe handler (its pipe frames what it writes). Runs on the channel's event loop.
  static func configure(
    _ channel: any Channel, address: Address, owner: any PipeOwner, options: SocketOptions,
    attached: EventLoopPromise<PipeID>?
  ) throws {
    let ipc = address.transport == .ipc
    try channel.pipeline.syncOperations.addHandlers([
      SPHandshakeHandler(protocol: owner.identity, timeout: options.handshakeTimeout.timeAmount),
      ByteToMessageHandler(SPFrameDecoder(ipc: ipc, maxSize: options.receiveMaxSize)),
      PipeChannelHandler(
        owner: owner, transportName: address.transport.rawValue, attached: attached,
        framing: .stream(ipc: ipc)),
    ])
  }

  /// The socket options of a tcp connection (tcp, tls+tcp, ws, wss).
  ///
  /// `TCP_NOTSENT_LOWAT` holds the kernel's queue of bytes not yet sent to about the send window:
  /// beyond it, the connection takes no more and the rest waits in the pipe, which then stops
  /// taking messages. Without it Linux lets the queue grow to its send buffer (a few MiB, grown
  /// automatically), all of it lost when the peer dies. Bytes sent and not yet acknowledged are
  /// not counted, so throughput over long, fast links keeps its automatic buffer.
  static func tcpOptions(_ options: SocketOptions) -> [StreamBootstrap.Option] {
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

  /// Binds a listening channel; every accepted connection becomes a pipe of `owner`. A listener
  /// that runs out of file descriptors (or memory) backs off and logs why.
  static func bind(
    _ address: Address, owner: any PipeOwner, options: SocketOptions, tls: TLSContext? = nil,
    logger: Logger, group: any EventLoopGroup,
    accepted: @escaping @Sendable (any Channel) -> Void
  ) async throws -> any Channel {
    try await StreamBootstrap.bind(
      address, tls: tls, options: tcpOptions(options), group: group,
      initializeServer: { server in
        try AcceptFailureHandler.install(on: server, address: address, logger: logger)
      }
    ) { channel in
      accepted(channel)
      try configure(channel, address: address, owner: owner, options: options, attached: nil)
    }
  }
}
