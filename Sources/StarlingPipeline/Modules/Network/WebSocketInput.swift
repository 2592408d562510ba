import Logging
import StarlingHTTP

/// `input.websocket`: a WebSocket server; each message becomes an event, and replies go back
/// on the same connection.
actor WebSocketInput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "input.websocket",
    summary: "A WebSocket server: each message becomes an event; replies go back on its connection.",
    discussion: """
      Listens on `listen` (`host:port`; port 0 picks a free port) and logs \
      `listening on ws://HOST:PORT`; on a reload the next pipeline takes the listening socket \
      over (no client is refused), and under `--instances` the workers share the port. WebSocket upgrade requests whose path starts with \
      `path` are accepted (choosing the first subprotocol the client offers that is in \
      `subprotocols`, or none); other requests get 404 or 400. Each message becomes one \
      event: data is the message as `format` says (`auto`: text as a string, binary as bytes; \
      `string`; `bytes`; `json`: the message parsed as JSON, a message that is not JSON \
      logged and dropped), and the header has `websocket.path`, `websocket.peer` \
      (`ip:port`), `websocket.subprotocol` and `websocket.type` (`text` or `binary`). \
      With `reply: true` (the default) each event carries a reply handle: `output.reply` \
      sends the reply's data back on the message's connection (a string as a text message, \
      bytes as a binary one, anything else as JSON text). A message larger than \
      `max_message` closes its connection with 1009, a protocol violation with its code; \
      each is logged and other connections are not affected. One connection's messages \
      become events in order; while the outbox is full the connection is not read. With \
      `ping_interval` above 0 the server pings each connection that often and closes one \
      that does not answer. On a graceful stop the connections are closed with 1001 (going \
      away) once the messages already read are queued.
      """,
    arguments: [
      ArgumentSpec("listen", .string, default: "127.0.0.1:8080", "The address to listen on, host:port."),
      ArgumentSpec("path", .string, default: "/", "The path prefix served; other paths get 404."),
      ArgumentSpec(
        "format", .choice(["auto", "string", "bytes", "json"]), default: "auto", "How a message becomes data."
      ),
      ArgumentSpec(
        "subprotocols", .list(.string), default: .array([]), "The subprotocols accepted, in order."),
      ArgumentSpec(
        "max_message", .int, default: 1_048_576, "The largest message in bytes; larger closes with 1009."),
      ArgumentSpec("reply", .bool, default: true, "Whether events carry a reply handle."),
      ArgumentSpec("ping_interval", .duration, default: 0, "How often to ping each connection; 0: never."),
    ],
    inputs: [],
    example: """
      chat:
        module: input.websocket
        arguments:
          listen: "127.0.0.1:8081"
          path: /chat
          format: json
      """)

  let context: ModuleContext
  let endpoint: NetworkEndpoint
  let pathPrefix: String
  let format: NetworkPayload
  let subprotocols: [String]
  let maxMessage: Int
  let reply: Bool
  let pingInterval: Duration?
  let outbox: PipelineQueue
  private let connections = RequestTasks()
  private var server: HTTPServer?
  private var lease: ListeningSockets.Lease?

  init(context: ModuleContext) throws {
    self.context = context
    let arguments = context.arguments
    endpoint = try NetworkEndpoint(
      arguments.string("listen") ?? "127.0.0.1:8080", argument: "listen", scheme: "ws")
    pathPrefix = arguments.string("path") ?? "/"
    guard pathPrefix.hasPrefix("/") else {
      throw PipelineError.invalidArgument("path '\(pathPrefix)' must start with /")
    }
    format = NetworkPayload(rawValue: arguments.string("format") ?? "auto") ?? .auto
    subprotocols = arguments.strings("subprotocols") ?? []
    maxMessage = arguments.int("max_message") ?? 1_048_576
    guard maxMessage > 0 else {
      throw PipelineError.invalidArgument("max_message must be more than 0, not \(maxMessage)")
    }
    reply = arguments.bool("reply") ?? true
    pingInterval = arguments.duration("ping_interval").flatMap { $0 > .zero ? $0 : nil }
    outbox = context.output("outbox")
  }

  func willStart() async throws {
    var configuration = HTTPServer.Configuration()
    configuration.logger = ModuleLogHandler.logger(for: context)
    configuration.webSocket.maxMessageSize = maxMessage
    configuration.webSocket.pingInterval = pingInterval
    configuration.limitNames.maxBodySize = "max_message"
    let (server, lease) = try await context.listeners.httpServer(
      scheme: "http", endpoint: endpoint, configuration: configuration)
    self.server = server
    self.lease = lease
    var bound = endpoint
    bound.port = server.address.port
    context.log(.info, "listening on ws://\(bound)")
  }

  func run() async throws {
    guard let server else { return }
    for await request in server.requests {
      let connection = WebSocketConnection(module: self)
      connections.start { _ in await connection.serve(request) }
    }
    // The pipeline stops. The listening socket is closed (or kept for the next pipeline, on a
    // reload) before this returns: connections not accepted yet wait in its backlog for the
    // next pipeline.
    await server.stopAccepting()
    releaseSocket()
    // A graceful stop: WebSockets are closed with 1001 once their messages are queued.
    Task { await server.stop() }
  }

  func didStop() async {
    await server?.stopAccepting()
    releaseSocket()
    server?.close()
    await connections.waitForAll()
  }

  /// Lets the listening socket go, once the server has closed it.
  private func releaseSocket() {
    lease?.release()
    lease = nil
  }

  /// One upgraded connection of `input.websocket`.
  struct WebSocketConnection: Sendable {
    let context: ModuleContext
    let pathPrefix: String
    let format: NetworkPayload
    let subprotocols: [String]
    let reply: Bool
    let outbox: PipelineQueue

    init(module: isolated WebSocketInput) {
      context = module.context
      pathPrefix = module.pathPrefix
      format = module.format
      subprotocols = module.subprotocols
      reply = module.reply
      outbox = module.outbox
    }

    func serve(_ request: HTTPRequest) async {
      let peer = request.remoteAddress.map { NetworkEndpoint.describe($0) } ?? "unknown"
      let path = String(request.path)
      do {
        guard path.hasPrefix(pathPrefix) else {
          context.log(.warning, "refused \(request) from \(peer): not under \(pathPrefix)")
          return try await request.reply(status: .notFound, body: "not found")
        }
        guard request.isWebSocketUpgrade else {
          context.log(.warning, "refused \(request) from \(peer): not a WebSocket upgrade")
          return try await request.reply(status: .badRequest, body: "WebSocket upgrades only")
        }
        let chosen = request.webSocketSubprotocols.first { subprotocols.contains($0) }
        let socket = try await request.upgradeToWebSocket(subprotocol: chosen)
        let header: EventValue = [
          "path": .string(path), "peer": .string(peer), "subprotocol": chosen.map { .string($0) } ?? .null,
        ]
        for try await message in socket.messages {
          guard var event = event(for: message, header: header, peer: peer) else { continue }
          if reply {
            event.reply = ReplyHandle(origin: "websocket \(peer) \(path)") { answer in
              try await Self.send(answer.data, on: socket)
            }
          }
          try await outbox.send(event)
        }
      } catch PipelineError.queueClosed {
      } catch {
        context.log(.info, "the WebSocket from \(peer) ended: \(error)")
      }
    }

    private func event(for message: WebSocketMessage, header: EventValue, peer: String) -> Event? {
      var header = header
      do {
        let data: EventValue
        switch message {
        case .text(let text):
          header[path: "type"] = "text"
          data = format == .auto || format == .string ? .string(text) : try format.decode(Array(text.utf8))
        case .binary(let buffer):
          header[path: "type"] = "binary"
          let bytes = Array(buffer.readableBytesView)
          data = format == .auto ? .bytes(bytes) : try format.decode(bytes)
        }
        return Event(data: data, header: ["websocket": header])
      } catch {
        context.log(.warning, "dropped a message from \(peer): \(error)")
        return nil
      }
    }

    /// Sends a reply: a string as text, bytes as binary, anything else as JSON text.
    static func send(_ data: EventValue, on socket: WebSocket) async throws {
      switch data {
      case .string(let text): try await socket.send(text: text)
      case .bytes(let bytes): try await socket.send(binary: bytes)
      default: try await socket.send(text: String(decoding: data.byteValue, as: UTF8.self))
      }
    }
  }
}
