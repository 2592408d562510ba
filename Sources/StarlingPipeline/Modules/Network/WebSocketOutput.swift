import Logging
import StarlingHTTP

/// `output.websocket`: a WebSocket client sending each event as a message.
actor WebSocketOutput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "output.websocket",
    summary: "A WebSocket client: sends each event (or one part of it) as a message.",
    discussion: """
      Connects to `url` (`ws://host:port/path` or `wss://…`, verified against the system's \
      authorities) when the first event comes, offering `subprotocols`, and sends the part of \
      each event that `selection` names: with `format: auto` a string as a text message, \
      bytes as a binary one and anything else as JSON text; `text` and `binary` force the \
      kind. Messages the server sends are read and dropped. An event that cannot be sent \
      (the server refuses the connection or the upgrade, or closed the connection) fails and \
      goes to `failure` with the reason; the next event connects again. On stop the \
      connection is closed with 1000 (normal closure).
      """,
    arguments: [
      .required("url", .string, "The server, ws://host:port/path or wss://host:port/path."),
      ArgumentSpec("selection", .string, default: "data", "The part of the event to send."),
      ArgumentSpec(
        "format", .choice(["auto", "text", "binary"]), default: "auto", "The kind of message sent."),
      ArgumentSpec(
        "subprotocols", .list(.string), default: .array([]), "The subprotocols offered, in order."),
      ArgumentSpec("connect_timeout", .duration, default: 5, "How long connecting and the upgrade may take."),
    ],
    outputs: [],
    example: """
      push:
        module: output.websocket
        arguments:
          url: "ws://127.0.0.1:8081/chat"
      """)

  let context: ModuleContext
  let url: String
  let selection: String
  let format: String
  let subprotocols: [String]
  let connectTimeout: Duration
  private var socket: WebSocket?
  private var drain: Task<Void, Never>?

  init(context: ModuleContext) throws {
    self.context = context
    let arguments = context.arguments
    url = arguments.string("url") ?? ""
    do {
      let address = try Address(url)
      guard address.transport == .ws || address.transport == .wss else {
        throw PipelineError.invalidArgument("url '\(url)' is not a ws:// or wss:// URL")
      }
    } catch let error as SPError {
      throw PipelineError.invalidArgument("url: \(error)")
    }
    selection = arguments.string("selection") ?? "data"
    format = arguments.string("format") ?? "auto"
    subprotocols = arguments.strings("subprotocols") ?? []
    connectTimeout = arguments.duration("connect_timeout") ?? .seconds(5)
    guard Event.isReadable(selection) else {
      throw PipelineError.invalidArgument(
        "selection '\(selection)' is not a path under data, header, id, timestamp, ttl or error")
    }
  }

  func consume(_ event: Event, from queue: String) async throws {
    let socket = try await connected()
    let value = event[selection] ?? .null
    do {
      switch (format, value) {
      case ("auto", .string(let text)), ("text", .string(let text)): try await socket.send(text: text)
      case ("auto", .bytes(let bytes)), ("binary", .bytes(let bytes)): try await socket.send(binary: bytes)
      case ("binary", _): try await socket.send(binary: value.byteValue)
      default: try await socket.send(text: String(decoding: value.byteValue, as: UTF8.self))
      }
    } catch {
      self.socket = nil
      throw error
    }
  }

  func didStop() async {
    await socket?.close()
    socket = nil
    await drain?.value
  }

  private func connected() async throws -> WebSocket {
    if let socket, socket.closeCode == nil { return socket }
    var configuration = WebSocket.Configuration()
    configuration.connectTimeout = connectTimeout
    configuration.logger = ModuleLogHandler.logger(for: context)
    let socket = try await WebSocket.connect(url, subprotocols: subprotocols, configuration: configuration)
    self.socket = socket
    // What the server sends is read (so its pings are answered) and dropped.
    let previous = drain
    drain = Task {
      await previous?.value
      do {
        for try await _ in socket.messages {}
      } catch {}
    }
    return socket
  }
}
