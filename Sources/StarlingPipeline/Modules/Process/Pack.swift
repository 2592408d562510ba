/// `process.pack`: batches events into one event whose data is the list of their datas.
actor Pack: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "process.pack",
    summary: "Batches events: `size` events, or whatever arrived within `age`, become one event.",
    discussion: """
      Events are collected until there are `size` of them, or until `age` has passed since \
      the first of the batch arrived, whichever comes first; then one event goes to \
      `outbox` whose data is the list of the collected events' datas, in arrival order, and \
      whose `header.pack.count` is the batch's length (other header fields are not kept). \
      Sending waits while outbox is full (events are never dropped), and so does the \
      module's input. When the pipeline stops, the batch being collected is sent before the \
      module stops, so nothing is lost. The inverse of process.unpack.
      """,
    arguments: [
      ArgumentSpec(
        "size", .int, default: 100, in: 1...1_000_000, "The most events in one batch (1 or more)."),
      ArgumentSpec(
        "age", .duration, default: 1, in: 0.001...86400,
        "The longest a batch waits after its first event (more than 0)."),
    ],
    example: """
      batch:
        module: process.pack
        arguments:
          size: 500
          age: 2s
      """)

  let size: Int
  let age: Duration
  let outbox: PipelineQueue
  var batch: [EventValue] = []
  /// Numbers the batches, so a timer only flushes the batch it was started for.
  var batchNumber = 0
  private let starts: AsyncStream<(batch: Int, deadline: ContinuousClock.Instant)>
  private let startsContinuation: AsyncStream<(batch: Int, deadline: ContinuousClock.Instant)>.Continuation

  init(context: ModuleContext) throws {
    size = context.arguments.int("size") ?? 100
    age = context.arguments.duration("age") ?? .seconds(1)
    guard size >= 1 else { throw PipelineError.invalidArgument("size must be 1 or more, not \(size)") }
    guard age > .zero else { throw PipelineError.invalidArgument("age must be more than 0") }
    outbox = context.output("outbox")
    (starts, startsContinuation) = AsyncStream.makeStream()
  }

  func consume(_ event: Event, from queue: String) async throws {
    batch.append(event.data)
    if batch.count == 1 {
      batchNumber += 1
      startsContinuation.yield((batchNumber, .now + age))
    }
    if batch.count >= size { try await flush() }
  }

  /// Flushes each batch when its age is reached; once cancelled (the pipeline stops the
  /// module after its input is drained), sends the last batch.
  func run() async throws {
    for await start in starts {
      guard (try? await Task.sleep(until: start.deadline, clock: .continuous)) != nil else { break }
      if start.batch == batchNumber, !batch.isEmpty { try await sendUncancelled(takeBatch()) }
    }
    if !batch.isEmpty { try await sendUncancelled(takeBatch()) }
  }

  private func flush() async throws {
    try await outbox.send(takeBatch())
  }

  /// Sends from a task that is not cancelled: the pipeline cancels `run()` once the input is
  /// drained, possibly while a batch waits for room in outbox (still open), and a cancelled
  /// send would lose it.
  private func sendUncancelled(_ event: Event) async throws {
    let outbox = self.outbox
    try await Task { try await outbox.send(event) }.value
  }

  private func takeBatch() -> Event {
    let items = batch
    batch = []
    return Event(data: .array(items), header: ["pack": ["count": .int(items.count)]])
  }
}
