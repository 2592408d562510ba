import Starling

/// `output.pub`: events published to sub0 peers.
actor PubOutput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "output.pub",
    summary: "Publishes each event (its `selection`, after an optional `topic`) on a pub0 socket.",
    discussion: """
      Every subscriber whose subscriptions match gets each message; a subscriber too slow to \
      take it misses it (drops are counted in the socket's statistics, as in nng), and with \
      no subscriber the message goes nowhere. The body is `topic` followed by the selected \
      value: bytes as they are, strings as UTF-8, anything else as JSON. A bad URL is a config \
      error; a listen address in use stops the pipeline before it starts, with the reason.
      """,
    arguments: SocketEndpoints.arguments + [
      MessageSelection.argument,
      ArgumentSpec("topic", .string, default: "", "Text put before each message (subscribers filter on it)."),
    ],
    outputs: [],
    example: """
      news:
        module: output.pub
        arguments:
          listen: tcp://127.0.0.1:5556
          topic: "weather."
      """)

  let context: ModuleContext
  let endpoints: SocketEndpoints
  let selection: MessageSelection
  let topic: [UInt8]
  let socket: Pub0

  init(context: ModuleContext) throws {
    self.context = context
    socket = Pub0(name: context.name)
    endpoints = try SocketEndpoints(context.arguments)
    selection = try MessageSelection(context.arguments)
    topic = Array((context.arguments.string("topic") ?? "").utf8)
  }

  func willStart() async throws {
    try await endpoints.open(socket, context: context)
  }

  func consume(_ event: Event, from queue: String) async throws {
    try await socket.send(Message(topic + selection.bytes(of: event)))
  }

  func didStop() async {
    await socket.close(linger: SocketEndpoints.closeLinger)
  }
}
