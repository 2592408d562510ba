import Logging
import NIOCore
import NIOPosix
import StarlingNetwork

/// `output.tcp`: writes each event to a TCP server, framed as lines or length-prefixed.
actor TCPOutput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "output.tcp",
    summary: "A TCP client: writes each event (or one part of it) to a server, one frame each.",
    discussion: """
      Connects to `address` (`host:port`) when the first event comes, and writes the part of \
      each event that `selection` names (bytes as they are, strings as UTF-8, other values \
      as JSON), framed as `framing` says: `line` adds `\\n`, `length` puts the length before \
      it as 4 bytes, big-endian. Anything the server sends back is ignored. With `tls: true` it \
      speaks TLS, verifying the server's certificate against `tls_ca` (or the system's \
      authorities) and `tls_server_name` (or the host); `tls_cert` and `tls_key` give a client \
      certificate. An event that cannot be written (the server refuses the connection, or \
      closed it, or the handshake fails) is tried again on a new connection, `retries` times \
      with a backoff from `backoff_min` doubling up to `backoff_max`; then it fails and goes \
      to `failure` with the reason. TCP does not acknowledge what the server's program read: \
      an event written just as the server closes the connection can be lost without an \
      error, as with any plain TCP client.
      """,
    arguments: [
      .required("address", .string, "The server, host:port."),
      ArgumentSpec("framing", .choice(["line", "length"]), default: "line", "How messages are framed."),
      ArgumentSpec("selection", .string, default: "data", "The part of the event to send."),
      ArgumentSpec(
        "connect_timeout", .duration, default: 5, in: 0.001...86400, "How long a connection attempt may take."
      ),
    ] + RetryPolicy.arguments + TCPTLS.clientArguments,
    outputs: [],
    example: """
      forward:
        module: output.tcp
        arguments:
          address: "127.0.0.1:5000"
          framing: line
      """)

  let context: ModuleContext
  let endpoint: NetworkEndpoint
  let framing: TCPFraming
  let selection: String
  let connectTimeout: Duration
  let retry: RetryPolicy
  let tls: TCPTLS?
  private var tlsContext: TLSContext?
  private var channel: (any Channel)?

  init(context: ModuleContext) throws {
    self.context = context
    let arguments = context.arguments
    endpoint = try NetworkEndpoint(arguments.string("address") ?? "", argument: "address", scheme: "tcp")
    framing = TCPFraming(rawValue: arguments.string("framing") ?? "line") ?? .line
    selection = arguments.string("selection") ?? "data"
    connectTimeout = arguments.duration("connect_timeout") ?? .seconds(5)
    guard Event.isReadable(selection) else {
      throw PipelineError.invalidArgument(
        "selection '\(selection)' is not a path under data, header, id, timestamp, ttl or error")
    }
    retry = try RetryPolicy(arguments)
    tls = try TCPTLS.client(arguments, endpoint: endpoint)
  }

  func willStart() async throws {
    tlsContext = try tls?.context()
  }

  func consume(_ event: Event, from queue: String) async throws {
    let bytes = (event[selection] ?? .null).byteValue
    try await retry.run(context: context) { try await write(bytes) }
  }

  private func write(_ bytes: [UInt8]) async throws {
    let channel = try await connected()
    do {
      try await channel.writeAndFlush(framing.frame(bytes, allocator: channel.allocator))
    } catch {
      self.channel = nil
      channel.close(promise: nil)
      throw NetworkError.writeFailed(endpoint.description, SystemError.describe(error))
    }
  }

  func didStop() async {
    try? await channel?.close()
    channel = nil
  }

  private func connected() async throws -> any Channel {
    if let channel, channel.isActive { return channel }
    channel = nil
    let tls = tlsContext
    do {
      let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connectTimeout(TimeAmount(connectTimeout))
        .channelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            if let tls {
              try channel.pipeline.syncOperations.addHandlers(tls.handlers())
              try channel.pipeline.syncOperations.addHandler(TLSHandshake(eventLoop: channel.eventLoop))
            }
            try channel.pipeline.syncOperations.addHandler(DiscardInbound())
          }
        }
        .connect(host: endpoint.host, port: endpoint.port).get()
      if tls != nil { try await TLSHandshake.completed(on: channel) }
      self.channel = channel
      context.log(.info, "connected to \(tls == nil ? "tcp" : "tls+tcp")://\(endpoint)")
      return channel
    } catch {
      throw NetworkError.connectFailed(endpoint.description, SystemError.describe(error))
    }
  }
}

/// Drops whatever a client connection reads.
final class DiscardInbound: ChannelInboundHandler, Sendable {
  typealias InboundIn = NIOAny

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
