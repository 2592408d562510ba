import Synchronization

/// A clock that moves only when you move it: for tests of timeouts, deadlines and back-off that
/// run in milliseconds whatever times they are about.
///
/// A task that sleeps on the clock stays asleep until ``advance(by:)`` (or ``advance(to:)``)
/// moves ``now`` to or past its deadline, or until the task is cancelled (then the sleep throws
/// `CancellationError`). A deadline that has already passed returns at once.
///
/// ```swift
/// let clock = ManualClock()
/// let sleeper = Task { try await clock.sleep(for: .seconds(60)) }
/// await clock.waitForSleepers()  // the task is asleep now
/// clock.advance(by: .seconds(59))  // wakes nobody
/// clock.advance(by: .seconds(1))  // wakes the task
/// try await sleeper.value
/// ```
///
/// Advancing wakes the sleepers whose deadlines it reached, earliest deadline first, and among
/// sleepers with the same deadline in the order they went to sleep. What each woken task then
/// does runs concurrently with the test: ``waitForSleepers(_:)`` waits until the tasks a test
/// expects to sleep again have done so.
///
/// Sockets take the clock through `SocketOptions.clock` (as an ``AnyClock``), `select`'s
/// timeout through ``onTimeout(_:clock:_:)``, a ``Ticker`` through its `clock`.
public final class ManualClock: Clock, Sendable {
  /// An instant of a manual clock: the time since the clock was made.
  public typealias Instant = OffsetInstant

  private struct Sleeper {
    let id: UInt64
    let deadline: Instant
    let continuation: UnsafeContinuation<Void, any Error>
  }

  private struct Watcher {
    let id: UInt64
    let count: Int
    let continuation: UnsafeContinuation<Void, Never>
  }

  private struct State {
    var now = Instant(offset: .zero)
    var sleepers: [Sleeper] = []
    var watchers: [Watcher] = []
    var nextID: UInt64 = 0

    mutating func makeID() -> UInt64 {
      defer { nextID &+= 1 }
      return nextID
    }

    /// Takes out the watchers whose awaited number of sleepers is reached.
    mutating func satisfiedWatchers() -> [Watcher] {
      let count = sleepers.count
      let satisfied = watchers.filter { $0.count <= count }
      watchers.removeAll { $0.count <= count }
      return satisfied
    }
  }

  private let state = Mutex(State())

  /// Makes a clock at instant zero (`t+0`).
  public init() {}

  /// The current instant.
  public var now: Instant {
    state.withLock { $0.now }
  }

  /// Zero: the clock is exactly where it was last moved.
  public var minimumResolution: Duration {
    .zero
  }

  /// How many tasks are asleep on the clock.
  public var sleeperCount: Int {
    state.withLock { $0.sleepers.count }
  }

  /// The earliest deadline a task sleeps until, if any task sleeps.
  public var nextDeadline: Instant? {
    state.withLock { $0.sleepers.lazy.map(\.deadline).min() }
  }

  /// Sleeps until ``advance(by:)`` or ``advance(to:)`` moves the clock to `deadline` or past it.
  ///
  /// - Parameters:
  ///   - deadline: the instant to wake at; one that has passed returns at once.
  ///   - tolerance: ignored: the clock moves only in steps.
  /// - Throws: `CancellationError` if the task is cancelled before the deadline is reached.
  public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
    try Task.checkCancellation()
    let id = state.withLock { $0.makeID() }
    try await withTaskCancellationHandler {
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
        enum Attempt {
          case due, cancelled
          case waiting([Watcher])
        }
        // The cancellation flag is read under the lock that registers the sleeper: a
        // cancellation that came before finds nothing to remove, so it is seen here instead.
        let attempt = state.withLock { state -> Attempt in
          if deadline <= state.now { return .due }
          if Task.isCancelled { return .cancelled }
          state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
          return .waiting(state.satisfiedWatchers())
        }
        switch attempt {
        case .due: continuation.resume()
        case .cancelled: continuation.resume(throwing: CancellationError())
        case .waiting(let watchers): for watcher in watchers { watcher.continuation.resume() }
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

  /// Moves the clock forward by `duration` and wakes every sleeper whose deadline it reached.
  ///
  /// - Returns: how many sleepers it woke.
  @discardableResult
  public func advance(by duration: Duration) -> Int {
    precondition(duration >= .zero, "a clock cannot go back")
    return advance { $0.advanced(by: duration) }
  }

  /// Moves the clock forward to `instant` (nowhere if it is already there or past it) and wakes
  /// every sleeper whose deadline it reached.
  ///
  /// - Returns: how many sleepers it woke.
  @discardableResult
  public func advance(to instant: Instant) -> Int {
    advance { max($0, instant) }
  }

  private func advance(_ move: (Instant) -> Instant) -> Int {
    let due = state.withLock { state in
      state.now = move(state.now)
      let now = state.now
      var due: [Sleeper] = []
      state.sleepers.removeAll { sleeper in
        guard sleeper.deadline <= now else { return false }
        due.append(sleeper)
        return true
      }
      return due.sorted { ($0.deadline, $0.id) < ($1.deadline, $1.id) }
    }
    for sleeper in due {
      sleeper.continuation.resume()
    }
    return due.count
  }

  /// Waits until at least `count` tasks are asleep on the clock, or the waiting task is
  /// cancelled.
  ///
  /// Right after ``advance(by:)`` woke a task, this waits until that task has done its work
  /// and gone back to sleep: the way a test knows a timer has run before it moves the clock
  /// again.
  public func waitForSleepers(_ count: Int = 1) async {
    let id = state.withLock { $0.makeID() }
    await withTaskCancellationHandler {
      await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
        let ready = state.withLock { state in
          if state.sleepers.count >= count || Task.isCancelled { return true }
          state.watchers.append(Watcher(id: id, count: count, continuation: continuation))
          return false
        }
        if ready { continuation.resume() }
      }
    } onCancel: {
      let continuation = state.withLock { state -> UnsafeContinuation<Void, Never>? in
        guard let index = state.watchers.firstIndex(where: { $0.id == id }) else { return nil }
        return state.watchers.remove(at: index).continuation
      }
      continuation?.resume()
    }
  }
}
