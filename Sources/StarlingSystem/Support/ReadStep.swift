import struct StarlingChannels.Lock

/// What a read from a buffer does now — the one decision ``ByteStreamStateMachine`` and
/// ``ElementQueueStateMachine`` return to a reader.
enum ReadStep<Value> {
  /// Served: the value or the failure; and whether the source, held back while the buffer was
  /// full, should read again.
  case done(Result<Value, any Error>, resumeReading: Bool)
  /// The reader must wait (or, asked not to, would have to); `resumeReading` as above.
  case wait(resumeReading: Bool)
}

extension Lock {
  /// Serves a read from the state this lock guards, for a storage whose state machine keeps
  /// one waiting reader.
  ///
  /// `attempt(&state, nil)` tries to serve it without waiting, and a read it serves returns
  /// without suspending. Otherwise the task suspends and `attempt(&state, continuation)`
  /// tries again, keeping the continuation (in the same critical section) if the read waits,
  /// for whoever serves it later to resume. If the task is cancelled, `cancel(&state)` takes
  /// the waiting continuation back if it is still there, and it is resumed with
  /// `CancellationError`. `resumeReading` runs after the lock is released when the step says
  /// so. Every continuation is resumed exactly once, outside the lock.
  func serveRead<Value: Sendable>(
    attempt: (inout State, CheckedContinuation<Value, any Error>?) -> ReadStep<Value>,
    cancel: @escaping @Sendable (inout State) -> CheckedContinuation<Value, any Error>?,
    resumeReading: () -> Void
  ) async throws -> Value {
    if case .done(let result, let resume) = withLock({ attempt(&$0, nil) }) {
      if resume { resumeReading() }
      return try result.get()
    }
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        // Checked under the lock: a cancellation after this finds the continuation kept.
        let step = withLock { state in Task.isCancelled ? nil : attempt(&state, continuation) }
        switch step {
        case nil:
          continuation.resume(throwing: CancellationError())
        case .done(let result, let resume):
          if resume { resumeReading() }
          continuation.resume(with: result)
        case .wait(let resume):
          if resume { resumeReading() }
        }
      }
    } onCancel: {
      withLock { cancel(&$0) }?.resume(throwing: CancellationError())
    }
  }
}
