import NIOCore

import struct StarlingChannels.Lock

/// A waiting task's continuation that two parties race to resume — the work it waits for, and
/// the task's cancellation — and that is resumed exactly once, by whichever takes it first.
///
/// The states only move forward: `idle` → `waiting` (``store(_:)``) → `taken`, or `idle` or
/// `waiting` → `cancelled`. Moving out of `waiting` hands over the continuation.
final class OnceContinuation<Value: Sendable>: Sendable {
  private enum State {
    case idle
    case waiting(CheckedContinuation<Value, any Error>)
    case taken
    case cancelled
  }

  private let state = Lock.make(State.idle)

  /// Keeps the continuation; `false` if the task was cancelled already (then the caller
  /// resumes it with `CancellationError` and starts nothing).
  func store(_ continuation: CheckedContinuation<Value, any Error>) -> Bool {
    state.withLock { state in
      guard case .idle = state else { return false }
      state = .waiting(continuation)
      return true
    }
  }

  /// The work is done (or starts): the continuation to resume, or `nil` if cancellation took
  /// it first.
  func take() -> CheckedContinuation<Value, any Error>? {
    state.withLock { state in
      guard case .waiting(let continuation) = state else { return nil }
      state = .taken
      return continuation
    }
  }

  /// The task was cancelled: the continuation to resume with `CancellationError`, or `nil` if
  /// the work took it first.
  func cancel() -> CheckedContinuation<Value, any Error>? {
    state.withLock { state in
      switch state {
      case .idle:
        state = .cancelled
        return nil
      case .waiting(let continuation):
        state = .cancelled
        return continuation
      case .taken, .cancelled:
        return nil
      }
    }
  }
}

extension EventLoopFuture where Value: Sendable {
  /// The future's value; a task cancelled while it waits gets `CancellationError` at once (the
  /// work behind the future goes on).
  func cancellableValue() async throws -> Value {
    let once = OnceContinuation<Value>()
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        guard once.store(continuation) else {
          continuation.resume(throwing: CancellationError())
          return
        }
        whenComplete { result in once.take()?.resume(with: result) }
      }
    } onCancel: {
      once.cancel()?.resume(throwing: CancellationError())
    }
  }
}
