/// `flow.roundrobin`: each event to the next connected output in turn.
actor RoundRobin: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "flow.roundrobin",
    summary: "Sends each event to one connected output queue, taking them in turn.",
    discussion: """
      Routes may start at any queue name. Events go to the connected outputs in route order, \
      one each, then round again; a full output makes the module wait for it (it does not \
      skip to the next), so order and share stay exact. Events are not cloned. With no \
      connected output, events are dropped.
      """,
    outputs: [], acceptsAnyOutput: true,
    example: """
      spread:
        module: flow.roundrobin
      """)

  let targets: [PipelineQueue]
  var next = 0

  init(context: ModuleContext) throws {
    targets = context.connectedOutputs.filter { $0 != "success" && $0 != "failure" }.map(context.output)
  }

  func consume(_ event: Event, from queue: String) async throws {
    guard !targets.isEmpty else { return }
    let target = targets[next]
    next = (next + 1) % targets.count
    try await target.send(event)
  }
}
