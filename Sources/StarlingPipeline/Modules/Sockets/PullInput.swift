import Starling

/// `input.pull`: events from a pull0 socket.
actor PullInput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "input.pull",
    summary: "Receives messages on a pull0 socket (from push0 peers) and emits each as an event.",
    discussion: """
      Each message becomes an event on `outbox`: its body as data (see `format`), the pipe it \
      came on at `header.sp.pipe`. With `format: json`, a body that is not JSON is logged with \
      the cause and dropped; the socket keeps serving. A bad URL is a config error; a listen \
      address in use stops the pipeline before it starts, with the reason.
      """,
    arguments: SocketEndpoints.arguments + [MessageFormat.argument],
    inputs: [],
    example: """
      jobs:
        module: input.pull
        arguments:
          listen: tcp://127.0.0.1:5555
          format: json
      """)

  let context: ModuleContext
  let endpoints: SocketEndpoints
  let format: MessageFormat
  let socket: Pull0

  init(context: ModuleContext) throws {
    self.context = context
    socket = Pull0(name: context.name)
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
