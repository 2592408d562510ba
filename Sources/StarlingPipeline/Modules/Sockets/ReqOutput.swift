import Starling

/// `output.req`: each event sent as a request to rep0 peers; the reply comes out as an event.
actor ReqOutput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "output.req",
    summary: "Sends each event (its `selection`) as a request on a req0 socket and emits the reply.",
    discussion: """
      A processing step backed by a remote service: the reply comes out on `outbox` as the \
      same event (id, header and reply handle kept) with the reply body as data (see \
      `format`) and the pipe it came on at `header.sp.pipe`. Requests go round-robin to the \
      connected rep0 peers, one at a time. No reply within `timeout` (waiting for a peer \
      included) sends the request again, `retries` times with a backoff; then, or for a reply \
      that does not fit `format`, the event fails (it goes to `failure` with the reason). The body is \
      the selected value: bytes as they are, strings as UTF-8, anything else as JSON. A bad \
      URL is a config error; a listen address in use stops the pipeline before it starts.
      """,
    arguments: SocketEndpoints.arguments + [
      MessageSelection.argument,
      MessageFormat.argument,
      ArgumentSpec(
        "timeout", .duration, default: 10, in: 0.001...86400, "How long to wait for each reply."),
    ] + RetryPolicy.arguments,
    example: """
      lookup:
        module: output.req
        arguments:
          dial: tcp://127.0.0.1:5555
          format: json
          timeout: 5s
      """)

  let context: ModuleContext
  let endpoints: SocketEndpoints
  let selection: MessageSelection
  let format: MessageFormat
  let timeout: Duration
  let delivery: SocketOutputDelivery
  let outbox: PipelineQueue
  let socket: Req0

  init(context: ModuleContext) throws {
    self.context = context
    socket = Req0(name: context.name)
    endpoints = try SocketEndpoints(context.arguments)
    selection = try MessageSelection(context.arguments)
    format = MessageFormat(context.arguments)
    timeout = context.arguments.duration("timeout") ?? .seconds(10)
    guard timeout > .zero else { throw PipelineError.invalidArgument("timeout must be more than 0") }
    delivery = try SocketOutputDelivery(context.arguments, timeoutArgument: "timeout")
    outbox = context.output("outbox")
  }

  func willStart() async throws {
    try await endpoints.open(socket, context: context)
  }

  func consume(_ event: Event, from queue: String) async throws {
    let message = Message(selection.bytes(of: event))
    let reply = try await delivery.send(context: context) {
      try await socket.request(message, timeout: timeout)
    }
    var answer = event
    answer.data = try format.decode(reply.bytes)
    if let pipe = reply.pipe { answer["header.sp.pipe"] = .int(Int(pipe.rawValue)) }
    try await outbox.send(answer)
  }

  func didStop() async {
    await socket.close(linger: SocketEndpoints.closeLinger)
  }
}
