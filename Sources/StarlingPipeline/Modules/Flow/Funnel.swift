/// `flow.funnel`: many input queues into one.
actor Funnel: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "flow.funnel",
    summary: "Merges events from any number of input queues into outbox.",
    discussion: """
      Routes may end at any queue name (`merge.web`, `merge.logs`, ...). Events are passed \
      on unchanged, in the order they arrive; each input is read on its own, so a busy input \
      does not starve the others. The funnel stops once every input is done.
      """,
    acceptsAnyInput: true,
    example: """
      merge:
        module: flow.funnel
      """)

  let outbox: PipelineQueue

  init(context: ModuleContext) throws {
    outbox = context.output("outbox")
  }

  func consume(_ event: Event, from queue: String) async throws {
    try await outbox.send(event)
  }
}
