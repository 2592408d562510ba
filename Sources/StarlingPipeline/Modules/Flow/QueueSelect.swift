import Logging

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

  let context: ModuleContext
  let routes: [ConditionRoute]
  let fallback: PipelineQueue?
  var unmatched = 0
  var unrouted = 0

  init(context: ModuleContext) throws {
    self.context = context
    routes = try ConditionRoute.parse(context.arguments.list("cases") ?? [], context: context)
    guard !routes.isEmpty else { throw PipelineError.invalidArgument("cases must list at least one case") }
    if let name = context.arguments.string("default") {
      try ConditionRoute.checkQueue(name, what: "default")
      fallback = context.output(name)
    } else {
      fallback = nil
    }
  }

  /// Warns about case queues no route takes: what goes there is dropped.
  func willStart() async throws {
    let queues = routes.map(\.queue) + (fallback.map { [$0] } ?? [])
    var warned: Set<String> = []
    for queue in queues where !queue.isConnected && warned.insert(queue.queue).inserted {
      context.log(.warning, "no route takes queue '\(queue.queue)': events sent there are dropped")
    }
  }

  func consume(_ event: Event, from queue: String) async throws {
    var seen: Set<String> = []
    let targets = routes.filter { $0.condition.matches(event) && seen.insert($0.queue.queue).inserted }
    if targets.isEmpty {
      if let fallback {
        try await deliver(event, to: fallback)
      } else {
        unmatched += 1
        context.log(.debug, "dropped event \(event.id): no case matched and there is no default")
        context.metric("unmatched", Double(unmatched))
      }
      return
    }
    for (index, target) in targets.enumerated() {
      try await deliver(index == 0 ? event : event.cloned(), to: target.queue)
    }
  }

  /// Sends to a case's queue; one no route takes drops the event, counted in `unrouted`.
  private func deliver(_ event: Event, to queue: PipelineQueue) async throws {
    guard queue.isConnected else {
      unrouted += 1
      context.metric("unrouted", Double(unrouted))
      return
    }
    try await queue.send(event)
  }
}
