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

  let router: ConditionRouter

  init(context: ModuleContext) throws {
    router = try ConditionRouter(context: context)
  }

  /// Warns about case queues no route takes: what goes there is dropped.
  func willStart() async throws {
    router.warnAboutUnroutedQueues()
  }

  func consume(_ event: Event, from queue: String) async throws {
    let first = router.routes.first { $0.condition.matches(event) }
    try await router.send(event, to: first.map { [$0] } ?? [])
  }
}
