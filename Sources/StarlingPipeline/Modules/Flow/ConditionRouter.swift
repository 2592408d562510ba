import Logging
import Synchronization

/// What `flow.switch` and `flow.queueselect` share: their cases, their default queue, and how
/// an event reaches the queues its cases chose.
final class ConditionRouter: Sendable {
  let context: ModuleContext
  let routes: [ConditionRoute]
  let fallback: PipelineQueue?
  private let unmatched = Atomic<Int>(0)
  private let unrouted = Atomic<Int>(0)

  /// Reads `cases` and `default`.
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
  func warnAboutUnroutedQueues() {
    let queues = routes.map(\.queue) + (fallback.map { [$0] } ?? [])
    var warned: Set<String> = []
    for queue in queues where !queue.isConnected && warned.insert(queue.queue).inserted {
      context.log(.warning, "no route takes queue '\(queue.queue)': events sent there are dropped")
    }
  }

  /// Sends the event to the chosen cases' queues (the first gets the event, the others clones),
  /// or, when none was chosen, to the default queue; with no default it is dropped, counted in
  /// the `unmatched` metric.
  func send(_ event: Event, to chosen: [ConditionRoute]) async throws {
    guard !chosen.isEmpty else {
      if let fallback {
        try await deliver(event, to: fallback)
      } else {
        let count = unmatched.add(1, ordering: .relaxed).newValue
        context.log(.debug, "dropped event \(event.id): no case matched and there is no default")
        context.metric("unmatched", Double(count))
      }
      return
    }
    for (index, route) in chosen.enumerated() {
      try await deliver(index == 0 ? event : event.cloned(), to: route.queue)
    }
  }

  /// Sends to a case's queue; one no route takes drops the event, counted in `unrouted`.
  private func deliver(_ event: Event, to queue: PipelineQueue) async throws {
    guard queue.isConnected else {
      context.metric("unrouted", Double(unrouted.add(1, ordering: .relaxed).newValue))
      return
    }
    try await queue.send(event)
  }
}
