import Logging
import NIOCore
import NIOPosix
import StarlingNetwork

/// The tcp, tls+tcp and ipc transports: SP over a NIO stream channel, with the SP header
/// handshake and length-prefixed frames (WIRE.md).
struct StreamTransport: Transport {
  let schemes = ["tcp", "tcp4", "tcp6", "tls+tcp", "tls+tcp4", "tls+tcp6", "ipc", "unix", "abstract"]

  func dialer(
    for address: Address, socket: any PipeOwner, context: TransportContext
  ) throws -> any TransportDialer {
    try NIODialer(address: address, socket: socket, context: context) { channel, options, attached in
      try Self.configure(channel, address: address, owner: socket, options: options, attached: attached)
    }
  }

  func listen(
    at address: Address, socket: any PipeOwner, context: TransportContext
  ) async throws
    -> any TransportListener
  {
    let options = socket.options
    return try await StreamListener.listen(
      address, owner: socket, options: options,
      tls: try NIODialer.tls(for: address, options: options, role: .listener),
      logger: socket.logger, group: context.eventLoopGroup)
  }

  /// Adds the SP handlers to a fresh connection (after its TLS handlers): handshake, the frame
  /// decoder, and the pipe handler (its pipe frames what it writes). Runs on the channel's
  /// event loop.
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

  /// Binds a listening channel; every accepted connection becomes a pipe of `owner`. A listener
  /// that runs out of file descriptors (or memory) backs off and logs why.
  static func bind(
    _ address: Address, owner: any PipeOwner, options: SocketOptions, tls: TLSContext?,
    logger: Logger, group: any EventLoopGroup,
    accepted: @escaping @Sendable (any Channel) -> Void
  ) async throws -> any Channel {
    try await StreamBootstrap.bind(
      address, tls: tls, options: NIODialer.tcpOptions(options), group: group,
      initializeServer: { server in
        try AcceptFailureHandler.install(on: server, address: address, logger: logger)
      }
    ) { channel in
      accepted(channel)
      try configure(channel, address: address, owner: owner, options: options, attached: nil)
    }
  }
}
