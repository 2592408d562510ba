import Starling

/// `input.bus`: events from a bus0 socket.
actor BusInput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "input.bus",
    summary: "Receives messages on a bus0 socket (from its bus peers) and emits each as an event.",
    discussion: """
      Each message becomes an event on `outbox`: its body as data (see `format`), the pipe it \
      came on at `header.sp.pipe`. With `format: json`, a body that is not JSON is logged with \
      the cause and dropped; the socket keeps serving. A bad URL is a config error; a listen \
      address in use stops the pipeline before it starts, with the reason.
      """,
    arguments: SocketEndpoints.arguments + [MessageFormat.argument],
    inputs: [],
    example: """
      mesh:
        module: input.bus
        arguments:
          listen: tcp://127.0.0.1:5555
          format: json
      """)

  let context: ModuleContext
  let endpoints: SocketEndpoints
  let format: MessageFormat
  let socket: Bus0

  init(context: ModuleContext) throws {
    self.context = context
    socket = Bus0(name: context.name)
    endpoints = try SocketEndpoints(context.arguments)
    format = MessageFormat(context.arguments)
  }

  func willStart() async throws {
    try await endpoints.open(socket, context: context)
  }

  func run() async throws {
    let socket = socket
    try await MessageInputLoop.run(context: context, format: format) { try await socket.receive() }
  }

  func didStop() async {
    await socket.close(linger: SocketEndpoints.closeLinger)
  }
}
