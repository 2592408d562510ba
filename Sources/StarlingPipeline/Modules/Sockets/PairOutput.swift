import Starling

/// `output.pair`: events to the one peer of a pair0 or pair1 socket.
actor PairOutput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "output.pair",
    summary: "Sends each event (its `selection`) as a message to the one peer of a pair socket.",
    discussion: """
      `version` picks pair0 or pair1 (match the peer). While no peer is connected the module \
      waits (backpressure), up to `send_timeout` when one is given: then the send is tried \
      again `retries` times with a backoff, and the event goes to `failure`. The body is the selected value: bytes as they are, strings as \
      UTF-8, anything else as JSON. A bad URL is a config error; a listen address in use stops \
      the pipeline before it starts, with the reason.
      """,
    arguments: SocketEndpoints.arguments + [
      MessageSelection.argument,
      ArgumentSpec(
        "version", .choice(["0", "1"]), default: "0", "The pair protocol: 0 (pair0) or 1 (pair1)."),
      SocketOutputDelivery.sendTimeoutArgument,
    ] + RetryPolicy.arguments,
    outputs: [],
    example: """
      peer:
        module: output.pair
        arguments:
          dial: ipc:///tmp/pair.sock
      """)

  let context: ModuleContext
  let endpoints: SocketEndpoints
  let selection: MessageSelection
  let delivery: SocketOutputDelivery
  let socket: PairSocket

  init(context: ModuleContext) throws {
    self.context = context
    endpoints = try SocketEndpoints(context.arguments)
    selection = try MessageSelection(context.arguments)
    delivery = try SocketOutputDelivery(context.arguments)
    socket = PairSocket(version: context.arguments.string("version") ?? "0", name: context.name)
  }

  func willStart() async throws {
    switch socket {
    case .v0(let pair): pair.options.sendTimeout = delivery.sendTimeout
    case .v1(let pair): pair.options.sendTimeout = delivery.sendTimeout
    }
    try await socket.open(endpoints, context: context)
  }

  func consume(_ event: Event, from queue: String) async throws {
    let message = Message(selection.bytes(of: event))
    try await delivery.send(context: context) { try await socket.send(message) }
  }

  func didStop() async {
    await socket.close(linger: SocketEndpoints.closeLinger)
  }
}
