import Starling

/// `output.push`: events to push0 peers.
actor PushOutput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "output.push",
    summary:
      "Sends each event (its `selection`) as a message on a push0 socket, to one pull0 peer at a time.",
    discussion: """
      Messages go round-robin to the connected pull0 peers. While no peer is connected, or \
      every peer is busy, the module waits (backpressure: the queue in front of it fills and \
      the producers wait in turn). The body is the selected value: bytes as they are, \
      strings as UTF-8, anything else as JSON. A bad URL is a config error; a listen address \
      in use stops the pipeline before it starts, with the reason.
      """,
    arguments: SocketEndpoints.arguments + [
      MessageSelection.argument, SocketOutputDelivery.sendTimeoutArgument,
    ]
      + RetryPolicy.arguments,
    outputs: [],
    example: """
      jobs:
        module: output.push
        arguments:
          dial: tcp://127.0.0.1:5555
          selection: data
      """)

  let context: ModuleContext
  let endpoints: SocketEndpoints
  let selection: MessageSelection
  let delivery: SocketOutputDelivery
  let socket: Push0

  init(context: ModuleContext) throws {
    self.context = context
    socket = Push0(name: context.name)
    endpoints = try SocketEndpoints(context.arguments)
    selection = try MessageSelection(context.arguments)
    delivery = try SocketOutputDelivery(context.arguments)
    socket.options.sendTimeout = delivery.sendTimeout
  }

  func willStart() async throws {
    try await endpoints.open(socket, context: context)
  }

  func consume(_ event: Event, from queue: String) async throws {
    let message = Message(selection.bytes(of: event))
    try await delivery.send(context: context) { try await socket.send(message) }
  }

  func didStop() async {
    await socket.close(linger: SocketEndpoints.closeLinger)
  }
}
