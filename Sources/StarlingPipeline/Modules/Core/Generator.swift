import Foundation

/// `input.generator`: makes events on a timer.
actor Generator: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "input.generator",
    summary: "Makes an event every interval, with a fixed payload.",
    discussion: """
      Each event's data is `payload`; in string payloads `{{n}}` becomes the event's \
      sequence number (from 1). `header` is copied into each event's header. With `count` \
      set, the generator stops after that many events, and a pipeline whose inputs have \
      all stopped drains and exits.
      """,
    arguments: [
      ArgumentSpec(
        "interval", .duration, default: 1, "Time between events (0: as fast as the queue takes them)."),
      ArgumentSpec("payload", .any, default: "hello world", "The data of each event."),
      ArgumentSpec("header", .map, default: .object([:]), "Header fields to set on each event."),
      ArgumentSpec("count", .int, default: 0, in: 0...1e15, "How many events to make; 0 for no limit."),
    ],
    inputs: [],
    example: """
      hello:
        module: input.generator
        arguments:
          interval: 1s
          payload: "hello world {{n}}"
      """)

  let context: ModuleContext
  let interval: Duration
  let payload: EventValue
  let header: [String: EventValue]
  let count: Int

  init(context: ModuleContext) throws {
    self.context = context
    interval = context.arguments.duration("interval") ?? .seconds(1)
    payload = context.arguments["payload"] ?? "hello world"
    header = context.arguments.map("header") ?? [:]
    count = context.arguments.int("count") ?? 0
    guard count >= 0 else { throw PipelineError.invalidArgument("count must be 0 or more, not \(count)") }
  }

  func run() async throws {
    let outbox = context.output("outbox")
    let numbered = payload.stringValue?.contains("{{n}}") == true
    var n = 0
    while count == 0 || n < count {
      n += 1
      let data: EventValue =
        numbered ? .string(payload.stringValue!.replacingOccurrences(of: "{{n}}", with: String(n))) : payload
      try await outbox.send(Event(data: data, header: header))
      if interval > .zero { try await Task.sleep(for: interval) } else { try Task.checkCancellation() }
    }
  }
}
