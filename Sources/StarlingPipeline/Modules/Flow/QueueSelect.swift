/// `flow.queueselect`: Wishbone's name for condition routing; every matching case gets the
/// event.
actor QueueSelect: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "flow.queueselect",
    summary: "Sends each event to the queue of every case whose condition it matches.",
    discussion: """
      Wishbone's queueselect, with `flow.switch`'s cases and conditions. Unlike flow.switch, \
      every matching case's queue gets the event (the first one the event itself, the others \
      clones, in case order), so one event can be selected for several queues. With no match \
      the event goes to `default`; with no default it is dropped, counted in the `unmatched` \
      metric and logged at debug level. A queue named by two matching cases gets the event once; a \
      queue no route takes drops what it gets, counted in the `unrouted` metric (a warning at start says so).
      """,
    arguments: [
      .required("cases", .list(.map), "The `{when, queue}` cases; each match sends the event to its queue."),
      ArgumentSpec("default", .string, "The queue for events no case matches; unset: drop them."),
    ],
    outputs: [], acceptsAnyOutput: true,
    example: """
      select:
        module: flow.queueselect
        arguments:
          cases:
            - when: "data.temperature > 30"
              queue: hot
            - when: "header.site == 'lab'"
              queue: lab
      """)

  let router: ConditionRouter

  init(context: ModuleContext) throws {
    router = try ConditionRouter(context: context)
  }

  /// Warns about case queues no route takes: what goes there is dropped.
  func willStart() async throws {
    router.warnAboutUnroutedQueues()
  }

  func consume(_ event: Event, from queue: String) async throws {
    var seen: Set<String> = []
    let chosen = router.routes.filter { $0.condition.matches(event) && seen.insert($0.queue.queue).inserted }
    try await router.send(event, to: chosen)
  }
}
