import Logging
import Starling

/// The loop of a socket input: receive, turn into an event, send it on.
enum MessageInputLoop {
  /// Receives messages until the task is cancelled or the socket closes, sending an event for
  /// each on `outbox`. A body that does not fit the format is logged and dropped.
  static func run(
    context: ModuleContext, format: MessageFormat, receive: @Sendable () async throws -> Message
  ) async throws {
    let outbox = context.output("outbox")
    while !Task.isCancelled {
      let message: Message
      do {
        message = try await receive()
      } catch {
        if isEnd(error) { return }
        context.log(.warning, "receive failed: \(error)")
        continue
      }
      let event: Event
      do {
        event = try format.event(from: message)
      } catch {
        context.log(.warning, "dropped a message from \(origin(message)): \(error)")
        continue
      }
      try await outbox.send(event)
    }
  }

  /// Whether an error from a receive means the loop is over: cancelled, or the socket closed.
  static func isEnd(_ error: any Error) -> Bool {
    if error is CancellationError || Task.isCancelled { return true }
    if let error = error as? SPError, case .closed = error { return true }
    return false
  }

  /// The pipe a message came on, for log lines.
  static func origin(_ message: Message) -> String {
    message.pipe.map(\.description) ?? "an unknown pipe"
  }
}
