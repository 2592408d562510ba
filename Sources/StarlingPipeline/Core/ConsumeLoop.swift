import Logging

/// What the pipeline does around each event a module consumes: the TTL check, and routing to
/// `success` or, with the error attached, to `failure`.
struct ConsumeLoop: Sendable {
  let module: String
  let context: ModuleContext
  let success: PipelineQueue?
  /// Whether the module sends events to `success` itself (``ModuleDescriptor/completesEvents``).
  let completesEvents: Bool
  /// Counts an event dropped because its TTL ran out.
  let expired: @Sendable () -> Void
  /// Whether the pipeline is stopping at once (a failure then ends the loop quietly).
  let isStoppingNow: @Sendable () -> Bool
}

extension PipelineModule {
  /// Consumes every event of one input queue until it is closed and drained.
  ///
  /// The loop runs on the module's own executor (the queue's `next()` inherits the caller's
  /// isolation), so handing each event to ``consume(_:from:)`` costs no actor hop.
  func consumeAll(from queue: PipelineQueue, named name: String, loop: ConsumeLoop) async {
    while var event = await queue.next() {
      event.ttl -= 1
      guard event.ttl >= 0 else {
        loop.expired()
        loop.context.log(
          .warning, "dropped an event: its TTL ran out (is there a routing loop?)",
          metadata: ["event": "\(event.id)"])
        continue
      }
      do {
        try await consume(event, from: name)
        if !loop.completesEvents {
          loop.context.counters.processed()
          if let success = loop.success { try await success.send(event) }
        }
      } catch {
        if loop.isStoppingNow() { return }
        await loop.context.failed(event, error: error)
      }
    }
  }
}
