import NIOCore
import NIOPosix
import StarlingNetwork

/// Connects a NIO transport's channel, once per ``connect()``: what the stream (tcp, tls+tcp,
/// ipc) and WebSocket (ws, wss) transports share. The transport's `initialize` adds its handlers
/// to each fresh channel (after the TLS handlers); its pipe handler completes `attached` when the
/// socket has taken the pipe, and the dial returns then.
struct NIODialer: TransportDialer {
  /// Adds a transport's handlers to a fresh channel, on its event loop: the socket's options as
  /// they are at this dial, and the promise the pipe handler completes.
  typealias Initialize =
    @Sendable (_ channel: any Channel, _ options: SocketOptions, _ attached: EventLoopPromise<PipeID>) throws
    ->
    Void

  let address: Address
  let owner: any PipeOwner
  let tls: TLSContext?
  let group: any EventLoopGroup
  let initialize: Initialize

  /// A dialer of `socket` to `address` on the context's event loop group, with the TLS context
  /// the socket's options give (for `tls+tcp` and `wss`).
  init(
    address: Address, socket: any PipeOwner, context: TransportContext, initialize: @escaping Initialize
  ) throws(SPError) {
    self.address = address
    self.owner = socket
    self.tls = try Self.tls(for: address, options: socket.options, role: .dialer)
    self.group = context.eventLoopGroup
    self.initialize = initialize
  }

  /// How long the TCP (or ipc) connect may take, before any handshake.
  static let connectTimeout: Duration = .seconds(10)

  func connect() async throws -> any DialedConnection {
    let options = owner.options
    let loop = group.next()
    let attached = loop.makePromise(of: PipeID.self)
    let channel: any Channel
    do {
      channel = try await StreamBootstrap.connect(
        to: address, tls: tls, timeout: Self.connectTimeout, options: Self.tcpOptions(options), on: loop
      ) { [initialize] channel in
        try initialize(channel, options, attached)
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
    return ChannelConnection(channel: channel)
  }

  /// The TLS context of a socket's endpoint at `address`: from ``SocketOptions/tls`` for
  /// `tls+tcp` and `wss`, none for the plain schemes.
  static func tls(
    for address: Address, options: SocketOptions, role: TLSContext.Role
  ) throws(SPError) -> TLSContext? {
    guard address.transport == .tls || address.transport == .wss else { return nil }
    return try TLSContext(options.tls, role: role, address: address)
  }

  /// The socket options of a tcp connection (tcp, tls+tcp, ws, wss); ipc ignores them.
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
}

/// A NIO channel as a connection a dialer watches.
struct ChannelConnection: DialedConnection {
  let channel: any Channel
  func closed() async { try? await channel.closeFuture.get() }
  func close() { channel.close(promise: nil) }
}
