@testable import StarlingPipeline

/// `modify`: `process.modify`'s operations, as its config gives them: the input is a JSON
/// array of operations (`[{"set": {"path": "data.a", "value": 1}}, …]`), or a two-element
/// array of operations and the data of the event to apply them to. Each operation that
/// parses is applied in order to every sample event.
enum ModifyFuzz {
  static let target = FuzzTarget(
    name: "modify", summary: "process.modify operations (paths, templates) applied to events", run: run)

  static func run(_ bytes: [UInt8]) {
    guard let list = (try? JSON.decode(bytes))?.arrayValue else { return }
    var entries = list
    var events = SampleEvents.all
    if list.count == 2, let operations = list[0].arrayValue {
      entries = operations
      events.append(Event(data: list[1]))
    }
    let operations = entries.enumerated().compactMap {
      try? Modify.parse(index: $0.offset, entry: $0.element)
    }
    for var event in events {
      for operation in operations { try? Modify.apply(operation, to: &event) }
      _ = event.description
    }
  }
}
