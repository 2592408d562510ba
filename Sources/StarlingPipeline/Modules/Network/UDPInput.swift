import Logging
import NIOCore
import NIOPosix

/// `input.udp`: each datagram received becomes an event.
actor UDPInput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "input.udp",
    summary: "Receives UDP datagrams: each one becomes an event.",
    discussion: """
      Binds `listen` (`host:port`; port 0 picks a free port) and logs `listening on \
      udp://HOST:PORT` with the bound address. Each datagram becomes one event: data as \
      `format` says (`string`: text, or bytes when not UTF-8; `bytes`; `json`: a datagram \
      that is not JSON is logged and dropped), `header.udp.peer` the sender's `ip:port`, and \
      a reply handle that sends the answer back to the sender as one datagram (bytes as \
      they are, strings as UTF-8, other values as JSON). UDP has no backpressure: while the \
      outbox is full the input stops reading, and datagrams the kernel's buffer cannot hold \
      are lost, as UDP loses them anywhere.
      """,
    arguments: [
      ArgumentSpec("listen", .string, default: "127.0.0.1:5000", "The address to bind, host:port."),
      ArgumentSpec(
        "format", .choice(NetworkPayload.choices), default: "string", "How a datagram becomes data."),
    ],
    inputs: [],
    example: """
      datagrams:
        module: input.udp
        arguments:
          listen: "127.0.0.1:5001"
          format: json
      """)

  let context: ModuleContext
  let endpoint: NetworkEndpoint
  let format: NetworkPayload
  let outbox: PipelineQueue
  private var socket: HeldChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>?

  init(context: ModuleContext) throws {
    self.context = context
    endpoint = try NetworkEndpoint(
      context.arguments.string("listen") ?? "127.0.0.1:5000", argument: "listen", scheme: "udp")
    format = NetworkPayload(rawValue: context.arguments.string("format") ?? "string") ?? .string
    outbox = context.output("outbox")
  }

  func willStart() async throws {
    let socket: NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>
    do {
      socket = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: endpoint.host, port: endpoint.port) { channel in
          channel.eventLoop.makeCompletedFuture {
            try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(
              wrappingChannelSynchronously: channel)
          }
        }
    } catch {
      throw ListenError(address: endpoint.description, error: error)
    }
    self.socket = await HeldChannel(socket)
    context.log(.info, "listening on udp://\(NetworkEndpoint.describe(socket.channel.localAddress))")
  }

  func run() async throws {
    guard let socket else { return }
    let channel = socket.channel
    do {
      for try await datagram in socket.inbound {
        let peer = NetworkEndpoint.describe(datagram.remoteAddress)
        let data: EventValue
        do {
          data = try format.decode(Array(datagram.data.readableBytesView))
        } catch {
          context.log(.warning, "dropped a datagram from \(peer): \(error)")
          continue
        }
        var event = Event(data: data, header: ["udp": ["peer": .string(peer)]])
        let remote = datagram.remoteAddress
        event.reply = ReplyHandle(origin: "udp \(peer)") { answer in
          let bytes = answer.data.byteValue
          var buffer = channel.allocator.buffer(capacity: bytes.count)
          buffer.writeBytes(bytes)
          do {
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: buffer))
          } catch {
            throw NetworkError.writeFailed("udp \(peer)", "\(error)")
          }
        }
        try await outbox.send(event)
      }
    } catch is CancellationError {
    } catch PipelineError.queueClosed {
    }
  }

  func didStop() async {
    await socket?.close()
  }
}
