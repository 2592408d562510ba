import Logging
import Starling

/// The serving loop of `input.rep` and `input.respondent`: up to `max_pending` requests at
/// once, each an event whose reply handle answers it.
enum ReplyInputLoop {
  /// The arguments of the requests both inputs serve.
  static let arguments: [ArgumentSpec] = [
    MessageFormat.argument,
    ArgumentSpec(
      "max_pending", .int, default: 64, in: 1...65536,
      "How many requests may wait for their answer at once; more wait on the socket."),
    ArgumentSpec(
      "reply_timeout", .duration, default: 60, in: 0.001...86400,
      "How long a request keeps its slot waiting for an answer; an answer sent later still goes out."),
  ]

  /// Reads and checks `max_pending`.
  static func maxPending(_ arguments: ModuleArguments) throws -> Int {
    let value = arguments.int("max_pending") ?? 64
    guard value >= 1 else {
      throw PipelineError.invalidArgument("max_pending must be 1 or more, not \(value)")
    }
    return value
  }

  /// Serves requests until the task is cancelled or the socket closes: `slots` workers each
  /// take a request, emit it as an event on `outbox` with a reply handle, and wait until it is
  /// answered (or `replyTimeout` passes) before taking the next. A request body that does not
  /// fit the format is logged and dropped (its requester sends it again or gives up).
  static func run(
    context: ModuleContext, kind: String, format: MessageFormat, slots: Int, replyTimeout: Duration,
    next: @escaping @Sendable () async throws -> Request
  ) async throws {
    let outbox = context.output("outbox")
    try await withThrowingDiscardingTaskGroup { group in
      for _ in 0..<slots {
        group.addTask {
          while !Task.isCancelled {
            let request: Request
            do {
              request = try await next()
            } catch {
              if MessageInputLoop.isEnd(error) { return }
              context.log(.warning, "receive failed: \(error)")
              continue
            }
            var event: Event
            do {
              event = try format.event(from: request.message)
            } catch {
              context.log(
                .warning, "dropped a request from \(MessageInputLoop.origin(request.message)): \(error)")
              continue
            }
            let (answered, signal) = AsyncStream<Void>.makeStream()
            let origin = "\(kind) \(MessageInputLoop.origin(request.message))"
            event.reply = ReplyHandle(origin: origin) { answer in
              defer { signal.finish() }
              try await request.reply(Message(answer.data.byteValue))
            }
            try await outbox.send(event)
            await waitForAnswer(answered, timeout: replyTimeout)
          }
        }
      }
    }
  }

  /// Returns when the stream finishes (the request was answered), the timeout passes or the
  /// task is cancelled.
  private static func waitForAnswer(_ answered: AsyncStream<Void>, timeout: Duration) async {
    await withTaskGroup(of: Void.self) { group in
      group.addTask { for await _ in answered {} }
      group.addTask { try? await Task.sleep(for: timeout) }
      await group.next()
      group.cancelAll()
    }
  }
}
