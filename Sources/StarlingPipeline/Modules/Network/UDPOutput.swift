import NIOCore
import NIOPosix

/// `output.udp`: sends each event as one datagram.
actor UDPOutput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "output.udp",
    summary: "Sends each event (or one part of it) as one UDP datagram.",
    discussion: """
      Sends the part of each event that `selection` names (bytes as they are, strings as \
      UTF-8, other values as JSON) to `address` (`host:port`) from a socket bound to any \
      local port. The address is resolved when the pipeline starts (an unknown host stops \
      it from starting). UDP does not say whether a datagram arrived: an event fails (and \
      goes to `failure`) only when the datagram cannot be sent, for example when it is \
      larger than a datagram can be.
      """,
    arguments: [
      .required("address", .string, "Where to send, host:port."),
      ArgumentSpec("selection", .string, default: "data", "The part of the event to send."),
    ],
    outputs: [],
    example: """
      datagrams:
        module: output.udp
        arguments:
          address: "127.0.0.1:5001"
      """)

  let endpoint: NetworkEndpoint
  let selection: String
  private var channel: (any Channel)?
  private var remote: SocketAddress?

  init(context: ModuleContext) throws {
    endpoint = try NetworkEndpoint(
      context.arguments.string("address") ?? "", argument: "address", scheme: "udp")
    selection = context.arguments.string("selection") ?? "data"
    guard Event.isReadable(selection) else {
      throw PipelineError.invalidArgument(
        "selection '\(selection)' is not a path under data, header, id, timestamp, ttl or error")
    }
  }

  func willStart() async throws {
    let remote = try SocketAddress.makeAddressResolvingHost(endpoint.host, port: endpoint.port)
    let local = remote.protocol == .inet6 ? "::" : "0.0.0.0"
    channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .bind(host: local, port: 0).get()
    self.remote = remote
  }

  func consume(_ event: Event, from queue: String) async throws {
    guard let channel, let remote else { throw PipelineError.queueClosed("udp \(endpoint)") }
    let bytes = (event[selection] ?? .null).byteValue
    var buffer = channel.allocator.buffer(capacity: bytes.count)
    buffer.writeBytes(bytes)
    do {
      try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: buffer))
    } catch {
      throw NetworkError.writeFailed("udp://\(endpoint)", "\(error)")
    }
  }

  func didStop() async {
    try? await channel?.close()
    channel = nil
  }
}
