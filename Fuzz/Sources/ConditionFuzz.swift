import StarlingPipeline

/// `condition`: the condition language of `flow.filter`, `flow.switch` and
/// `flow.queueselect`: the input is a condition's text; one that parses is evaluated on every
/// sample event.
enum ConditionFuzz {
  static let target = FuzzTarget(
    name: "condition", summary: "the filter condition language: parse, then evaluate", run: run)

  static func run(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let condition = try? Condition(text) else { return }
    require(condition.description == text, "the description is not the text")
    for event in SampleEvents.all { _ = condition.matches(event) }
  }
}
