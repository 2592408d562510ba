import Logging

/// `flow.switch`: routes each event to the queue of the first case whose condition holds.
actor Switch: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "flow.switch",
    summary: "Routes each event to the queue of the first case whose condition it matches.",
    discussion: """
      `cases` is a list of `{when: CONDITION, queue: NAME}`, tried in order; the event goes, \
      unchanged, to the first matching case's queue, or to `default` when none matches. With \
      no match and no default the event is dropped, counted in the `unmatched` metric and \
      logged at debug level. A case's queue that no route takes drops what it gets, counted in the `unrouted` metric (a warning at start says so).

      Conditions: paths (`data.x`, `header.y`, `ttl`), literals ('text', 42, true, null), \
      `== != < <= > >=`, `=~ 'regex'`, `PATH exists`, `and`, `or`, `not`, parentheses. A \
      missing path compares like null. A condition that does not parse is a config error.
      """,
    arguments: [
      .required("cases", .list(.map), "The `{when, queue}` cases, tried in order; the first match wins."),
      ArgumentSpec("default", .string, "The queue for events no case matches; unset: drop them."),
    ],
    outputs: [], acceptsAnyOutput: true,
    example: """
      by_level:
        module: flow.switch
        arguments:
          cases:
            - when: "data.level == 'error'"
              queue: errors
            - when: "data.level =~ '^warn'"
              queue: warnings
          default: other
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
    if let route = routes.first(where: { $0.condition.matches(event) }) {
      try await deliver(event, to: route.queue)
    } else if let fallback {
      try await deliver(event, to: fallback)
    } else {
      unmatched += 1
      context.log(.debug, "dropped event \(event.id): no case matched and there is no default")
      context.metric("unmatched", Double(unmatched))
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
