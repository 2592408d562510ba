/// `output.null`: accepts events and forgets them.
actor Null: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "output.null",
    summary: "Accepts every event and drops it (for benchmarks, and queues you want emptied).",
    outputs: [],
    example: """
      sink:
        module: output.null
      """)

  init(context: ModuleContext) {}

  func consume(_ event: Event, from queue: String) async throws {}
}
