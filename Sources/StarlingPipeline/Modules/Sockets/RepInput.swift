import Starling

/// `input.rep`: requests from a rep0 socket, answered by `output.reply`.
actor RepInput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "input.rep",
    summary: "Serves req0 peers: each request becomes an event whose reply handle answers it.",
    discussion: """
      Each request becomes an event on `outbox`: its body as data (see `format`), the pipe it \
      came on at `header.sp.pipe`, and a reply handle; route it (after any processing) to \
      `output.reply`, which answers with the event's data: bytes as they are, strings as \
      UTF-8, other values as JSON. Up to `max_pending` requests are served at once, each with \
      its own backtrace, so one slow answer does not hold up the others. A request that is \
      not answered within `reply_timeout` frees its slot (nng's req resends it after its \
      resend time). With `format: json`, a body that is not JSON is logged and dropped. A bad \
      URL is a config error; a listen address in use stops the pipeline before it starts.
      """,
    arguments: SocketEndpoints.arguments + ReplyInputLoop.arguments,
    inputs: [],
    example: """
      api:
        module: input.rep
        arguments:
          listen: tcp://127.0.0.1:5555
          format: json
          max_pending: 16
      """)

  let context: ModuleContext
  let endpoints: SocketEndpoints
  let format: MessageFormat
  let slots: Int
  let replyTimeout: Duration
  let socket: Rep0

  init(context: ModuleContext) throws {
    self.context = context
    socket = Rep0(name: context.name)
    endpoints = try SocketEndpoints(context.arguments)
    format = MessageFormat(context.arguments)
    slots = try ReplyInputLoop.maxPending(context.arguments)
    replyTimeout = context.arguments.duration("reply_timeout") ?? .seconds(60)
  }

  func willStart() async throws {
    try await endpoints.open(socket, context: context)
  }

  func run() async throws {
    let socket = socket
    try await ReplyInputLoop.run(
      context: context, kind: "rep", format: format, slots: slots, replyTimeout: replyTimeout
    ) { try await socket.nextRequest() }
  }

  func didStop() async {
    await socket.close(linger: SocketEndpoints.closeLinger)
  }
}
