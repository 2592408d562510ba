/// The part of an event an output sends (`selection`), and how it becomes bytes.
struct MessageSelection: Sendable {
  /// The dotted path sent.
  let path: String

  /// The `selection` argument.
  static let argument = ArgumentSpec(
    "selection", .string, default: "data",
    "The part of the event to send: bytes as they are, strings as UTF-8, other values as JSON.")

  /// Reads and checks the `selection` argument.
  ///
  /// - Throws: ``PipelineError/invalidArgument(_:)`` for a path no event has.
  init(_ arguments: ModuleArguments) throws {
    path = arguments.string("selection") ?? "data"
    guard Event.isReadable(path) else {
      throw PipelineError.invalidArgument(
        "selection '\(path)' is not a path under data, header, id, timestamp, ttl or error")
    }
  }

  /// The bytes sent for an event: the selected value's bytes (JSON `null` when it is missing).
  func bytes(of event: Event) -> [UInt8] {
    (event[path] ?? .null).byteValue
  }
}
