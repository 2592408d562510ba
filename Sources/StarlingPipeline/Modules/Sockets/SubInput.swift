import Starling

/// `input.sub`: events from a sub0 socket.
actor SubInput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "input.sub",
    summary: "Subscribes to pub0 peers on a sub0 socket and emits each message as an event.",
    discussion: """
      `topics` lists the prefixes subscribed to; empty (the default) subscribes to every \
      message. Each message becomes an event on `outbox`: its whole body, topic included, as \
      data (see `format`), the pipe it came on at `header.sp.pipe`. With `format: json`, a \
      body that is not JSON is logged with the cause and dropped. A bad URL is a config \
      error; a listen address in use stops the pipeline before it starts, with the reason.
      """,
    arguments: SocketEndpoints.arguments + [
      MessageFormat.argument,
      ArgumentSpec(
        "topics", .list(.string), default: .array([]), "Topic prefixes to subscribe to; empty for all."),
    ],
    inputs: [],
    example: """
      news:
        module: input.sub
        arguments:
          dial: tcp://127.0.0.1:5556
          topics: ["weather.", "traffic."]
      """)

  let context: ModuleContext
  let endpoints: SocketEndpoints
  let format: MessageFormat
  let topics: [String]
  let socket: Sub0

  init(context: ModuleContext) throws {
    self.context = context
    socket = Sub0(name: context.name)
    endpoints = try SocketEndpoints(context.arguments)
    format = MessageFormat(context.arguments)
    topics = context.arguments.strings("topics") ?? []
  }

  func willStart() async throws {
    if topics.isEmpty {
      socket.subscribe("")
    } else {
      for topic in topics { socket.subscribe(topic) }
    }
    try await endpoints.open(socket, context: context)
  }

  func run() async throws {
    let socket = socket
    try await MessageInputLoop.run(context: context, format: format) { try await socket.receive() }
  }

  func didStop() async {
    socket.close()
  }
}
