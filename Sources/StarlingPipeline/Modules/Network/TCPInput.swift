import Logging
import NIOCore
import NIOPosix
import StarlingNetwork

/// `input.tcp`: a TCP server; each line or length-prefixed frame becomes an event.
actor TCPInput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "input.tcp",
    summary: "A TCP server: each line (or length-prefixed frame) a client sends becomes an event.",
    discussion: """
      Listens on `listen` (`host:port`; port 0 picks a free port) and logs `listening on \
      tcp://HOST:PORT` with the bound address. With `framing: line` each message ends at \
      `\\n` (a `\\r` before it is stripped); with `framing: length` each message is preceded \
      by its length as 4 bytes, big-endian. Each message becomes one event: data as `format` \
      says (`string`: text, or bytes when not UTF-8; `bytes`; `json`: a message that is not \
      JSON is logged and dropped, the connection stays open), `header.tcp.peer` the client's \
      `ip:port`, and a reply handle: `output.reply` answers on the same connection, framed \
      the same way (bytes as they are, strings as UTF-8, other values as JSON). With \
      `tls_cert` and `tls_key` it serves TLS (and with `tls_ca`, requires client certificates \
      that authority signed, unless `tls_client_auth` says otherwise); a failed handshake is \
      logged with its cause and closes that connection. \
      A frame longer than `max_frame`, or a connection that ends in the middle of a frame, \
      closes that connection with a warning naming the cause; other connections are not \
      affected. A frame must arrive whole within `read_timeout` of its first byte (a client \
      sending a byte a second runs out like a silent one), and a connection with no frame \
      begun for `idle_timeout` is closed (logged at debug level; a client waiting that long \
      for an answer is closed too); the time the server itself does not read, while its \
      outbox is full, does not count. At most `max_connections` are served at once: more are \
      closed as they arrive, logged once a minute at most with how many were refused. When \
      the outbox is full the server stops reading from its sockets, so clients block instead \
      of events being lost. On a graceful stop it stops accepting and \
      reading, keeps connections open until the answers to accepted messages are written, \
      then closes them. When the config is reloaded, the next pipeline takes over the \
      listening socket: no client is refused in between.
      """,
    arguments: [
      ArgumentSpec("listen", .string, default: "127.0.0.1:5000", "The address to listen on, host:port."),
      ArgumentSpec("framing", .choice(["line", "length"]), default: "line", "How messages are cut."),
      ArgumentSpec(
        "max_frame", .int, default: 1_048_576, in: 1...1_073_741_824,
        "The largest message in bytes; a longer one closes its connection."),
      ArgumentSpec(
        "format", .choice(NetworkPayload.choices), default: "string", "How a message becomes data."),
      ListenerLimits.timeoutArgument(
        "idle_timeout", default: 300, "How long a connection may wait before beginning a frame."),
      ListenerLimits.timeoutArgument(
        "read_timeout", default: 30, "How long a frame may take to arrive whole, from its first byte."),
      ListenerLimits.maxConnectionsArgument,
    ] + TCPTLS.serverArguments,
    inputs: [],
    example: """
      server:
        module: input.tcp
        arguments:
          listen: "127.0.0.1:5000"
          framing: line
          format: string
      """)

  let context: ModuleContext
  let endpoint: NetworkEndpoint
  let framing: TCPFraming
  let maxFrame: Int
  let format: NetworkPayload
  let outbox: PipelineQueue
  let limits: ListenerLimits
  let tls: TCPTLS?
  let readers = ConnectionReaders()
  private var server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>?
  /// The listening socket, until it is let go (kept open for the next pipeline on a reload).
  private var lease: ListeningSockets.Lease?

  init(context: ModuleContext) throws {
    self.context = context
    let arguments = context.arguments
    endpoint = try NetworkEndpoint(
      arguments.string("listen") ?? "127.0.0.1:5000", argument: "listen", scheme: "tcp")
    framing = TCPFraming(rawValue: arguments.string("framing") ?? "line") ?? .line
    format = NetworkPayload(rawValue: arguments.string("format") ?? "string") ?? .string
    maxFrame = arguments.int("max_frame") ?? 1_048_576
    guard maxFrame > 0 else {
      throw PipelineError.invalidArgument("max_frame must be more than 0, not \(maxFrame)")
    }
    outbox = context.output("outbox")
    limits = ListenerLimits(
      context.arguments, idle: .init(argument: "idle_timeout", missing: "no frame begun"),
      head: .init(argument: "read_timeout", missing: "no whole frame"))
    tls = try TCPTLS.server(arguments, endpoint: endpoint)
  }

  func willStart() async throws {
    let framing = framing
    let maxFrame = maxFrame
    let limits = limits
    let context = context
    let tls = try tls?.context()
    let lease = try context.listeners.open(host: endpoint.host, port: endpoint.port)
    do {
      server = try await limits.bootstrap(context: context)
        .bind(lease.descriptor) { channel in
          channel.eventLoop.makeCompletedFuture {
            try limits.addTimeouts(to: channel, context: context)
            if let tls { try channel.pipeline.syncOperations.addHandlers(tls.handlers()) }
            try channel.pipeline.syncOperations.addHandler(
              ByteToMessageHandler(
                TCPFrameDecoder(framing: framing, maxFrame: maxFrame, reportsProgress: true))
            )
            return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
          }
        }
    } catch {
      lease.release()
      throw ListenError(address: endpoint.description, error: error)
    }
    self.lease = lease
    let scheme = tls == nil ? "tcp" : "tls+tcp"
    context.log(.info, "listening on \(scheme)://\(NetworkEndpoint.describe(server?.channel.localAddress))")
  }

  func run() async throws {
    guard let server else { return }
    if let error = await AcceptLoop.run(server, readers: readers, serve: { self.serve($0) }) {
      context.log(.error, "stopped accepting connections: \(SystemError.describe(error))")
    }
    releaseSocket()
    await readers.stopReading()
  }

  func didStop() async {
    try? await server?.channel.close()
    releaseSocket()
    await readers.closeAll()
  }

  /// Lets the listening socket go, once its channel is closed.
  private func releaseSocket() {
    lease?.release()
    lease = nil
  }

  private nonisolated func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
    let channel = connection.channel
    let peer = NetworkEndpoint.describe(channel.remoteAddress)
    let context = context
    let format = format
    let framing = framing
    let outbox = outbox
    let readers = readers
    readers.serve(channel) {
      try? await connection.executeThenClose { inbound, _ in
        await readers.read {
          do {
            for try await frame in inbound {
              let data: EventValue
              do {
                data = try format.decode(Array(frame.readableBytesView))
              } catch {
                context.log(.warning, "dropped a message from \(peer): \(error)")
                continue
              }
              var event = Event(data: data, header: ["tcp": ["peer": .string(peer)]])
              event.reply = ReplyHandle(origin: "tcp \(peer)") { answer in
                do {
                  try await channel.writeAndFlush(
                    framing.frame(answer.data.byteValue, allocator: channel.allocator))
                } catch {
                  throw NetworkError.writeFailed("tcp client \(peer)", SystemError.describe(error))
                }
              }
              try await outbox.send(event)
            }
          } catch is CancellationError {
          } catch PipelineError.queueClosed {
          } catch {
            context.log(.warning, "closing the connection from \(peer): \(SystemError.describe(error))")
          }
        }
      }
    }
  }
}
