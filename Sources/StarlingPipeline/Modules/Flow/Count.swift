/// `flow.count`: passes or drops events by how often a value occurs within a time window.
actor Count: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "flow.count",
    summary: "Passes or drops events by how often the value at a path occurred within a window.",
    discussion: """
      For each event the module reads the value at `path` and counts how often that value \
      occurred within the last `window` (a sliding window; 0: since the start), this event \
      included. With `mode: first` the first `limit` occurrences of each value in the window \
      pass to `outbox` and the rest go to `dropped` (rate-limit repeats: "at most 3 alerts \
      per host per minute"). With `mode: after` a value's events go to `dropped` until it has \
      occurred `limit` times in the window, and from that occurrence on they pass ("alert \
      once a host failed 5 times within 10 minutes"). Events without the path pass \
      unchanged and are not counted. `dropped` drops (counted) when no route takes it. \
      Each value counts separately; values not seen within a window are forgotten.
      """,
    arguments: [
      ArgumentSpec("path", .string, default: "data", "The value to count: a path such as `data.host`."),
      ArgumentSpec(
        "limit", .int, default: 1, in: 1...Double(Int32.max),
        "The occurrence count `mode` refers to (1 or more)."),
      ArgumentSpec("window", .duration, default: 60, "How far back occurrences count; 0: for ever."),
      ArgumentSpec(
        "mode", .choice(["first", "after"]), default: "first",
        "`first`: pass the first `limit` occurrences per window; `after`: pass from the `limit`th on."),
    ],
    outputs: ["outbox", "dropped"],
    example: """
      three_per_minute:
        module: flow.count
        arguments:
          path: data.host
          limit: 3
          window: 1m
          mode: first
      """)

  let path: String
  let limit: Int
  let passFirst: Bool
  let outbox: PipelineQueue
  let dropped: PipelineQueue
  let start = ContinuousClock.now
  var occurrences: OccurrenceWindow

  init(context: ModuleContext) throws {
    path = context.arguments.string("path") ?? "data"
    limit = context.arguments.int("limit") ?? 1
    passFirst = (context.arguments.string("mode") ?? "first") == "first"
    guard Event.isReadable(path) else {
      throw PipelineError.invalidArgument(
        "path '\(path)' is not a path under data, header, id, timestamp, ttl or error")
    }
    guard limit >= 1 else { throw PipelineError.invalidArgument("limit must be 1 or more, not \(limit)") }
    occurrences = OccurrenceWindow(window: context.arguments.double("window") ?? 60)
    outbox = context.output("outbox")
    dropped = context.output("dropped")
  }

  func consume(_ event: Event, from queue: String) async throws {
    guard let value = event[path] else {
      try await outbox.send(event)
      return
    }
    let elapsed = ContinuousClock.now - start
    let now = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let count = occurrences.record(value, at: now)
    let passes = passFirst ? count <= limit : count >= limit
    try await (passes ? outbox : dropped).send(event)
  }
}
