import StarlingPipeline

/// `process.shout`: upper-cases an event's text and adds exclamation marks.
actor Shout: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "process.shout",
    summary: "Upper-cases the text at `path` and adds `marks` exclamation marks.",
    discussion: "An event whose `path` holds no text fails and goes to `failure`.",
    arguments: [
      ArgumentSpec("path", .string, default: "data", "The text to shout."),
      ArgumentSpec("marks", .int, default: 1, in: 0...10, "How many exclamation marks to add."),
    ],
    example: """
      shout:
        module: process.shout
        arguments:
          marks: 3
      """)

  let path: String
  let marks: Int
  let outbox: PipelineQueue

  init(context: ModuleContext) throws {
    path = context.arguments.string("path") ?? "data"
    marks = context.arguments.int("marks") ?? 1
    guard Event.isWritable(path) else {
      throw PipelineError.invalidArgument("path '\(path)' is not a path under data or header")
    }
    outbox = context.output("outbox")
  }

  func consume(_ event: Event, from queue: String) async throws {
    guard let text = event[path]?.stringValue else { throw ShoutError(path: path) }
    var event = event
    event[path] = .string(text.uppercased() + String(repeating: "!", count: marks))
    try await outbox.send(event)
  }
}

/// An event with nothing to shout.
struct ShoutError: Error, CustomStringConvertible {
  let path: String
  var description: String { "no text at \(path)" }
}
