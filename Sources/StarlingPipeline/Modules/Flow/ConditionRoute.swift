/// One `{when: CONDITION, queue: NAME}` entry of `flow.switch` and `flow.queueselect`.
struct ConditionRoute: Sendable {
  let condition: Condition
  let queue: PipelineQueue

  /// The routes in a `cases` argument, conditions parsed and queue names checked.
  static func parse(_ cases: [EventValue], context: ModuleContext) throws -> [ConditionRoute] {
    try cases.enumerated().map { index, entry in
      guard let map = entry.objectValue else {
        throw PipelineError.invalidArgument("cases[\(index)] must be a map with `when` and `queue`")
      }
      let unknown = Set(map.keys).subtracting(["when", "queue"])
      guard unknown.isEmpty else {
        throw PipelineError.invalidArgument(
          "cases[\(index)] has unknown key(s) \(unknown.sorted().joined(separator: ", ")); use `when` and `queue`"
        )
      }
      guard let when = map["when"]?.stringValue else {
        throw PipelineError.invalidArgument("cases[\(index)] needs `when`, a condition")
      }
      guard let queue = map["queue"]?.stringValue else {
        throw PipelineError.invalidArgument("cases[\(index)] needs `queue`, the output queue's name")
      }
      try checkQueue(queue, what: "cases[\(index)].queue")
      do {
        return ConditionRoute(condition: try Condition(when), queue: context.output(queue))
      } catch {
        throw PipelineError.invalidArgument("cases[\(index)]: \(error)")
      }
    }
  }

  /// Throws unless `name` can be an output queue a route starts at.
  static func checkQueue(_ name: String, what: String) throws {
    guard !name.isEmpty, !name.contains("."), !name.contains(" ") else {
      throw PipelineError.invalidArgument("\(what) '\(name)' is not a queue name")
    }
    guard !ModuleDescriptor.reservedQueues.contains(name), name != "success", name != "failure" else {
      throw PipelineError.invalidArgument("\(what) cannot be the reserved queue '\(name)'")
    }
  }
}
