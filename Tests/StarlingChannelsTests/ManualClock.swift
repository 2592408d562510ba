import Synchronization

/// A clock that moves only when a test advances it.
///
/// ``sleep(until:tolerance:)`` suspends until ``advance(by:)`` moves ``now`` to or past the
/// deadline, or the sleeping task is cancelled (then it throws `CancellationError`). A deadline
/// that has already passed returns at once.
final class ManualClock: Clock, Sendable {
  /// An instant of a manual clock: the time since the clock was created.
  struct Instant: InstantProtocol, CustomStringConvertible {
    var offset: Duration

    init(offset: Duration) {
      self.offset = offset
    }

    func advanced(by duration: Duration) -> Instant {
      Instant(offset: offset + duration)
    }

    func duration(to other: Instant) -> Duration {
      other.offset - offset
    }

    static func < (lhs: Instant, rhs: Instant) -> Bool {
      lhs.offset < rhs.offset
    }

    var description: String {
      "t+\(offset)"
    }
  }

  private struct Sleeper {
    let id: UInt64
    let deadline: Instant
    let continuation: UnsafeContinuation<Void, any Error>
  }

  private struct Watcher {
    let count: Int
    let continuation: UnsafeContinuation<Void, Never>
  }

  private struct State {
    var now = Instant(offset: .zero)
    var sleepers: [Sleeper] = []
    var watchers: [Watcher] = []
    var nextID: UInt64 = 0

    /// Takes out the watchers whose awaited number of sleepers is reached.
    mutating func satisfiedWatchers() -> [Watcher] {
      let satisfied = watchers.filter { $0.count <= sleepers.count }
      watchers.removeAll { $0.count <= sleepers.count }
      return satisfied
    }
  }

  private enum SleepAttempt {
    case due
    case cancelled
    case waiting([Watcher])
  }

  private let state = Mutex(State())

  init() {}

  var now: Instant {
    state.withLock { $0.now }
  }

  var minimumResolution: Duration {
    .zero
  }

  /// How many tasks are sleeping on the clock.
  var sleeperCount: Int {
    state.withLock { $0.sleepers.count }
  }

  func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
    try Task.checkCancellation()
    let id = state.withLock { state in
      defer { state.nextID &+= 1 }
      return state.nextID
    }
    try await withTaskCancellationHandler {
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
        let attempt: SleepAttempt = state.withLock { state in
          if deadline <= state.now { return .due }
          if Task.isCancelled { return .cancelled }
          state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
          return .waiting(state.satisfiedWatchers())
        }
        switch attempt {
        case .due:
          continuation.resume()
        case .cancelled:
          continuation.resume(throwing: CancellationError())
        case .waiting(let watchers):
          for watcher in watchers { watcher.continuation.resume() }
        }
      }
    } onCancel: {
      let continuation = state.withLock { state -> UnsafeContinuation<Void, any Error>? in
        guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
        return state.sleepers.remove(at: index).continuation
      }
      continuation?.resume(throwing: CancellationError())
    }
  }

  /// Moves the clock forward and wakes every sleeper whose deadline has come, earliest first.
  func advance(by duration: Duration) {
    precondition(duration >= .zero, "a clock cannot go back")
    let due = state.withLock { state in
      state.now = state.now.advanced(by: duration)
      let now = state.now
      let due = state.sleepers.filter { $0.deadline <= now }
      state.sleepers.removeAll { $0.deadline <= now }
      return due.sorted { $0.deadline < $1.deadline }
    }
    for sleeper in due {
      sleeper.continuation.resume()
    }
  }

  /// Waits until at least `count` tasks are sleeping on the clock.
  ///
  /// Right after ``advance(by:)`` woke a task, this waits until that task has done its work and
  /// gone back to sleep.
  func waitForSleepers(_ count: Int = 1) async {
    await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
      let ready = state.withLock { state in
        if state.sleepers.count >= count { return true }
        state.watchers.append(Watcher(count: count, continuation: continuation))
        return false
      }
      if ready { continuation.resume() }
    }
  }
}
