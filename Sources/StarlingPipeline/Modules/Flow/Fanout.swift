/// `flow.fanout`: a copy of each event to every connected output.
actor Fanout: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "flow.fanout",
    summary: "Sends a clone of each event to every connected output queue.",
    discussion: """
      Routes may start at any queue name (`fanout.console`, `fanout.archive`, ...). Each \
      event is cloned once per connected output (a new id; `cloned_from` remembers the \
      original) and sent to the outputs in the order the config routes them, waiting while \
      one is full, so the slowest consumer sets the pace. An event with no connected output \
      is dropped. `success` and `failure` are not fan-out targets.
      """,
    outputs: [], acceptsAnyOutput: true,
    example: """
      copies:
        module: flow.fanout
      """)

  let targets: [PipelineQueue]

  init(context: ModuleContext) throws {
    targets = context.connectedOutputs.filter { $0 != "success" && $0 != "failure" }.map(context.output)
  }

  func consume(_ event: Event, from queue: String) async throws {
    for target in targets { try await target.send(event.cloned()) }
  }
}
