import Starling

/// `input.pair`: events from a pair0 or pair1 socket.
actor PairInput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "input.pair",
    summary: "Receives messages from the one peer of a pair socket and emits each as an event.",
    discussion: """
      `version` picks pair0 or pair1 (they do not talk to each other: match the peer). Each \
      message becomes an event on `outbox`: its body as data (see `format`), the pipe it came \
      on at `header.sp.pipe`. With `format: json`, a body that is not JSON is logged with the \
      cause and dropped. A bad URL is a config error; a listen address in use stops the \
      pipeline before it starts, with the reason.
      """,
    arguments: SocketEndpoints.arguments + [
      MessageFormat.argument,
      ArgumentSpec(
        "version", .choice(["0", "1"]), default: "0", "The pair protocol: 0 (pair0) or 1 (pair1)."),
    ],
    inputs: [],
    example: """
      peer:
        module: input.pair
        arguments:
          listen: ipc:///tmp/pair.sock
          version: "1"
      """)

  let context: ModuleContext
  let endpoints: SocketEndpoints
  let format: MessageFormat
  let socket: PairSocket

  init(context: ModuleContext) throws {
    self.context = context
    endpoints = try SocketEndpoints(context.arguments)
    format = MessageFormat(context.arguments)
    socket = PairSocket(version: context.arguments.string("version") ?? "0", name: context.name)
  }

  func willStart() async throws {
    try await socket.open(endpoints, context: context)
  }

  func run() async throws {
    let socket = socket
    try await MessageInputLoop.run(context: context, format: format) { try await socket.receive() }
  }

  func didStop() async {
    await socket.close(linger: SocketEndpoints.closeLinger)
  }
}
