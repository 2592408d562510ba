/// `flow.filter`: passes the events that match a condition.
actor Filter: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "flow.filter",
    summary: "Passes events that match a condition to outbox; the others go to rejected.",
    discussion: """
      Events for which `condition` holds go to `outbox` unchanged; the others go to \
      `rejected`, which drops them (counted) when no route takes it. Conditions are \
      flow.switch's: paths, literals, `== != < <= > >=`, `=~ 'regex'`, `PATH exists`, \
      `and`, `or`, `not`, parentheses. A condition that does not parse is a config error.
      """,
    arguments: [
      .required("condition", .string, "The condition an event must match to pass.")
    ],
    outputs: ["outbox", "rejected"],
    example: """
      errors_only:
        module: flow.filter
        arguments:
          condition: "data.level == 'error' or data.status >= 500"
      """)

  let condition: Condition
  let outbox: PipelineQueue
  let rejected: PipelineQueue

  init(context: ModuleContext) throws {
    do {
      condition = try Condition(context.arguments.string("condition") ?? "")
    } catch {
      throw PipelineError.invalidArgument("\(error)")
    }
    outbox = context.output("outbox")
    rejected = context.output("rejected")
  }

  func consume(_ event: Event, from queue: String) async throws {
    try await (condition.matches(event) ? outbox : rejected).send(event)
  }
}
