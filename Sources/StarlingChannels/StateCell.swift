import Synchronization

/// Holds the latest value of something, for any number of readers.
///
/// Setting never waits: ``set(_:)`` replaces the value and wakes every reader waiting for one.
/// Reading with ``get()`` returns at once while the cell holds a value and waits only while it
/// is empty. ``value`` peeks without waiting, and ``clear()`` empties the cell again.
///
/// ```swift
/// let config = StateCell<String>()
/// Task { print("config:", try await config.get()) }  // waits for the first value
/// config.set("v1")
/// config.set("v2")  // readers from now on see v2
/// ```
///
/// Unlike a ``Channel``, reading does not take the value: every reader sees the latest one, and
/// a reader may see the same value many times, or miss values that were replaced before it read.
public final class StateCell<Value: Sendable>: Sendable {
  struct State {
    var value: Value?
    /// The readers waiting while the cell is empty, by identifier.
    var waiters: [UInt64: UnsafeContinuation<Value, any Error>] = [:]
    var nextID: UInt64 = 0
  }

  /// What a waiting read found under the lock.
  enum ReadAttempt {
    case value(Value)
    case waiting
    case cancelled
  }

  let state: Lock<State>

  /// Creates an empty cell: ``get()`` waits until the first ``set(_:)``.
  public init() {
    state = Lock.make(State(value: nil))
  }

  /// Creates a cell holding a value.
  public init(_ value: Value) {
    state = Lock.make(State(value: value))
  }

  /// Sets the value, and wakes every reader waiting for one. Never waits.
  ///
  /// The readers it wakes get exactly this value, even if the cell is set again or cleared
  /// before they run.
  public func set(_ value: Value) {
    let waiters = state.withLock { state in
      state.value = value
      defer { state.waiters = [:] }
      return state.waiters
    }
    for continuation in waiters.values {
      continuation.resume(returning: value)
    }
  }

  /// Returns the value, waiting while the cell is empty.
  ///
  /// - Throws: `CancellationError` if the task is cancelled while it waits. A task that is
  ///   already cancelled still gets a value the cell holds.
  public func get() async throws -> Value {
    if let value = state.withLock({ $0.value }) {
      return value
    }
    return try await getWaiting()
  }

  private func getWaiting() async throws -> Value {
    let id = state.withLock { state in
      defer { state.nextID &+= 1 }
      return state.nextID
    }
    return try await withTaskCancellationHandler {
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Value, any Error>) in
        let attempt: ReadAttempt = state.withLock { state in
          if let value = state.value { return .value(value) }
          if Task.isCancelled { return .cancelled }
          state.waiters[id] = continuation
          return .waiting
        }
        switch attempt {
        case .waiting:
          break  // set(_:) or cancellation resumes it
        case .value(let value):
          continuation.resume(returning: value)
        case .cancelled:
          continuation.resume(throwing: CancellationError())
        }
      }
    } onCancel: {
      state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
    }
  }

  /// The value, or `nil` while the cell is empty. Never waits.
  public var value: Value? {
    state.withLock { $0.value }
  }

  /// Empties the cell: readers wait again until the next ``set(_:)``.
  public func clear() {
    // The old value is released here, after the lock.
    _ = state.withLock { state in
      defer { state.value = nil }
      return state.value
    }
  }

  /// How many readers are waiting (for tests).
  var waiterCount: Int {
    state.withLock { $0.waiters.count }
  }
}
