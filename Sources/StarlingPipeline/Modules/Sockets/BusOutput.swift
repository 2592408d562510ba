import Starling

/// `output.bus`: events to bus0 peers.
actor BusOutput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "output.bus",
    summary: "Sends each event (its `selection`) as a message on a bus0 socket, to every bus peer.",
    discussion: """
      Every connected bus peer gets each message; a peer too slow to take it misses it (bus \
      drops are counted in the socket's statistics, as in nng). The body is the selected \
      value: bytes as they are, strings as UTF-8, anything else as JSON. A bad URL is a \
      config error; a listen address in use stops the pipeline before it starts.
      """,
    arguments: SocketEndpoints.arguments + [MessageSelection.argument],
    outputs: [],
    example: """
      mesh:
        module: output.bus
        arguments:
          dial: tcp://127.0.0.1:5555
          selection: data
      """)

  let context: ModuleContext
  let endpoints: SocketEndpoints
  let selection: MessageSelection
  let socket: Bus0

  init(context: ModuleContext) throws {
    self.context = context
    socket = Bus0(name: context.name)
    endpoints = try SocketEndpoints(context.arguments)
    selection = try MessageSelection(context.arguments)
  }

  func willStart() async throws {
    try await endpoints.open(socket, context: context)
  }

  func consume(_ event: Event, from queue: String) async throws {
    try await socket.send(Message(selection.bytes(of: event)))
  }

  func didStop() async {
    await socket.close(linger: SocketEndpoints.closeLinger)
  }
}
