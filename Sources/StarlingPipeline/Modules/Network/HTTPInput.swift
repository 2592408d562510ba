import Foundation
import Logging
import StarlingHTTP

/// `input.http`: an HTTP/1.1 server; each request becomes an event, answered by a reply.
actor HTTPInput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "input.http",
    summary: "An HTTP/1.1 server: each request becomes an event, and a reply answers it.",
    discussion: """
      Listens on `listen` (`host:port`; port 0 picks a free port) and logs \
      `listening on http://HOST:PORT` with the bound address. With `tls_cert` and `tls_key` \
      it serves HTTPS (`listening on https://…`; with `tls_ca`, it requires client \
      certificates that authority signed, unless `tls_client_auth` says otherwise); a failed \
      handshake is logged with its cause and closes that connection. Requests whose path does \
      not start with `path` get 404. Each request becomes one event: data is the body as \
      `format` says (`auto`: JSON when the content type is JSON, an empty body being null, \
      otherwise text, or bytes when not UTF-8; `string`; `bytes`; `json`), and the header \
      has `http.method`, `http.path` (without the query), `http.query` (a map of the query's \
      parameters, decoded) and `http.headers` (a map, names in lower case, repeated headers \
      joined with `, `), and `http.peer` (the client's `ip:port`). \
      With `reply: true` (the default) the event carries a reply handle: `output.reply` \
      answers 200 with the reply's data (a string as `text/plain; charset=utf-8`, bytes as \
      `application/octet-stream`, anything else as `application/json`; a reply event with an \
      int at `header.http.status` sets the status instead). No answer within \
      `reply_timeout` gets 504. With `reply: false` each request is answered 202 as soon as \
      its event is queued. A body larger than `max_body` gets 413, a body that is not JSON \
      when JSON is expected gets 400, and a malformed request gets 400 and the connection \
      closed; each is logged with its cause, and other requests are not affected. One \
      connection's requests are answered in order, one at a time; while the outbox is full \
      the server stops reading. On a graceful stop it stops accepting and reading; requests \
      already accepted are still answered. \
      A request's head must arrive whole within `header_timeout` of its first byte, and its \
      body within `body_timeout` of the head; either running out gets 408 and the connection \
      closed (a client sending a byte a second runs out like a silent one). A connection \
      with no request begun for `idle_timeout` (a new one, or one kept alive between \
      requests) is closed, logged at debug level; while a request waits for its reply no \
      timeout but `reply_timeout` runs. A body whose Content-Length exceeds `max_body` gets \
      413 before any of it is read, a chunked one as soon as it passes `max_body`; the \
      connection is then closed. At most `max_connections` are served at once: more are \
      closed as they arrive, logged once a minute at most with how many were refused. \
      When the config is reloaded, the next pipeline takes over the listening socket: no \
      client is refused in between; a request whose event was not queued when the old \
      pipeline stopped has its connection closed unanswered, so that its client sends it \
      again.
      """,
    arguments: [
      ArgumentSpec("listen", .string, default: "127.0.0.1:8080", "The address to listen on, host:port."),
      ArgumentSpec("path", .string, default: "/", "The path prefix served; other paths get 404."),
      ArgumentSpec(
        "max_body", .int, default: 1_048_576, in: 0...1_073_741_824,
        "The largest request body in bytes; larger gets 413."),
      ArgumentSpec(
        "format", .choice(["auto", "string", "bytes", "json"]), default: "auto", "How a body becomes data."),
      ArgumentSpec("reply", .bool, default: true, "Wait for a reply (true) or answer 202 at once (false)."),
      ArgumentSpec(
        "reply_timeout", .duration, default: 30, in: 0.001...86400, "How long to wait for a reply before 504."
      ),
      ListenerLimits.timeoutArgument(
        "idle_timeout", default: 60, "How long a connection may wait before beginning a request."),
      ListenerLimits.timeoutArgument(
        "header_timeout", default: 10, "How long a request head may take to arrive whole; then 408."),
      ListenerLimits.timeoutArgument(
        "body_timeout", default: 60, "How long a request body may take to arrive whole; then 408."),
      ListenerLimits.maxConnectionsArgument,
    ] + TCPTLS.serverArguments,
    inputs: [],
    example: """
      api:
        module: input.http
        arguments:
          listen: "127.0.0.1:8080"
          path: /events
          format: json
          reply_timeout: 5s
      """)

  let context: ModuleContext
  let settings: HTTPInputSettings
  let outbox: PipelineQueue
  let tls: TCPTLS?
  private let exchanges = RequestTasks()
  private var server: HTTPServer?
  /// The listening socket, until it is let go (kept open for the next pipeline on a reload).
  private var lease: ListeningSockets.Lease?

  init(context: ModuleContext) throws {
    self.context = context
    settings = try HTTPInputSettings(context.arguments)
    outbox = context.output("outbox")
    tls = try TCPTLS.server(context.arguments, endpoint: settings.endpoint)
  }

  func willStart() async throws {
    var configuration = HTTPServer.Configuration()
    configuration.maxBodySize = settings.maxBody
    configuration.logger = ModuleLogHandler.logger(for: context)
    configuration.maxConnections = settings.limits.maxConnections
    let arguments = context.arguments
    func timeout(_ name: String) -> Duration? { arguments.duration(name).flatMap { $0 > .zero ? $0 : nil } }
    configuration.idleTimeout = timeout("idle_timeout")
    configuration.headTimeout = timeout("header_timeout")
    configuration.bodyTimeout = timeout("body_timeout")
    configuration.limitNames.maxBodySize = "max_body"
    configuration.limitNames.idleTimeout = "idle_timeout"
    configuration.limitNames.headTimeout = "header_timeout"
    configuration.limitNames.bodyTimeout = "body_timeout"
    configuration.limitNames.maxConnections = "max_connections"
    if let tls {
      // Checked here, so that a file that cannot be read is named with its argument.
      _ = try tls.context()
      configuration.tls = tls.options
    }
    let scheme = tls == nil ? "http" : "https"
    let endpoint = settings.endpoint
    let (server, lease) = try await context.listeners.httpServer(
      scheme: scheme, endpoint: endpoint, configuration: configuration)
    self.server = server
    self.lease = lease
    var bound = endpoint
    bound.port = server.address.port
    context.log(.info, "listening on \(scheme)://\(bound)")
  }

  func run() async throws {
    guard let server else { return }
    let exchange = HTTPServerExchange(settings: settings, context: context, outbox: outbox, tasks: exchanges)
    for await request in server.requests {
      exchanges.start { await exchange.serve(request, id: $0) }
    }
    // The pipeline stops. The listening socket is closed (or kept for the next pipeline, on a
    // reload) before this returns: connections not accepted yet wait in its backlog for the
    // next pipeline.
    await server.stopAccepting()
    releaseSocket()
    // No event is queued from now on (the outbox closes when this returns): a request not
    // queued yet is closed unanswered, so that its client sends it again (to the next
    // pipeline, on a reload).
    await exchanges.stopQueuing()
    // A graceful stop: requests queued are still answered; any still arriving on open
    // connections are closed unanswered.
    Task {
      async let stopped: Void = server.stop()
      for await request in server.requests { request.closeConnection() }
      await stopped
    }
  }

  func didStop() async {
    await server?.stopAccepting()
    releaseSocket()
    server?.close()
    await exchanges.waitForAll()
  }

  /// Lets the listening socket go, once the server has closed it.
  private func releaseSocket() {
    lease?.release()
    lease = nil
  }
}

/// `input.http`'s arguments, checked.
struct HTTPInputSettings: Sendable {
  let endpoint: NetworkEndpoint
  let pathPrefix: String
  let maxBody: Int
  let format: NetworkPayload
  let reply: Bool
  let replyTimeout: Duration
  let limits: ListenerLimits

  init(_ arguments: ModuleArguments) throws {
    endpoint = try NetworkEndpoint(
      arguments.string("listen") ?? "127.0.0.1:8080", argument: "listen", scheme: "http")
    pathPrefix = arguments.string("path") ?? "/"
    guard pathPrefix.hasPrefix("/") else {
      throw PipelineError.invalidArgument("path '\(pathPrefix)' must start with /")
    }
    maxBody = arguments.int("max_body") ?? 1_048_576
    guard maxBody >= 0 else {
      throw PipelineError.invalidArgument("max_body must be 0 or more, not \(maxBody)")
    }
    format = NetworkPayload(rawValue: arguments.string("format") ?? "auto") ?? .auto
    reply = arguments.bool("reply") ?? true
    replyTimeout = arguments.duration("reply_timeout") ?? .seconds(30)
    guard replyTimeout > .zero else {
      throw PipelineError.invalidArgument("reply_timeout must be more than 0")
    }
    limits = ListenerLimits(
      arguments, idle: .init(argument: "idle_timeout", missing: "no request begun"),
      head: .init(argument: "header_timeout", missing: "no whole request head"),
      body: .init(argument: "body_timeout", missing: "no whole request body"))
  }
}
