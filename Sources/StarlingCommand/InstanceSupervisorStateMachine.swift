import StarlingPipeline

/// What `starling run --instances N` does with its worker processes: start them, restart one
/// that dies (after a backoff that grows while it keeps dying), give up when one dies before
/// the pipeline ever started (a bad certificate, a port in use: restarting would not help), and
/// stop them all.
///
/// Pure state: the supervisor reports what happened (a worker started, is ready, exited), with
/// the time, and carries out the actions returned. Workers are numbered from 1.
struct InstanceSupervisorStateMachine<Instant: InstantProtocol & Sendable>: Sendable
where Instant.Duration == Duration {
  /// What the supervisor is to do.
  enum Action: Equatable, Sendable {
    /// Start worker `index` (a new process).
    case start(Int)
    /// Start worker `index` again after `delay`, then report ``restartDue(_:)``.
    case restart(Int, after: Duration)
    /// Every worker has exited after a stop: the supervisor exits too.
    case finish
    /// A worker died before the pipeline first started: stop the others and exit with the
    /// reason.
    case giveUp(String)
  }

  private enum Phase: Equatable, Sendable {
    case starting
    case ready(since: Instant)
    /// Waiting to be started again.
    case waiting
    case exited
  }

  private struct Worker: Sendable {
    var phase = Phase.starting
    /// Deaths in a row, each without a stable run before it.
    var failures = 0
  }

  /// The waits between restarts.
  let backoff: Backoff
  /// A worker that ran this long since it was ready counts as healthy: its next restart waits
  /// the shortest time again.
  let stableAfter: Duration
  private var workers: [Worker]
  /// Whether every worker has been ready once (before that, a death means a broken config).
  private var everStarted = false
  private(set) var isStopping = false
  private var failed = false

  init(count: Int, backoff: Backoff, stableAfter: Duration) {
    self.backoff = backoff
    self.stableAfter = stableAfter
    workers = Array(repeating: Worker(), count: max(1, count))
  }

  /// The workers' numbers.
  var indices: ClosedRange<Int> { 1...workers.count }

  /// Starts every worker.
  func start() -> [Action] {
    indices.map { .start($0) }
  }

  /// Worker `index` has started its pipeline.
  mutating func ready(_ index: Int, at now: Instant) {
    guard workers.indices.contains(index - 1), workers[index - 1].phase == .starting else { return }
    workers[index - 1].phase = .ready(since: now)
    if workers.allSatisfy({ if case .ready = $0.phase { true } else { false } }) { everStarted = true }
  }

  /// Worker `index` has exited (`how` says how, for the reason given up with).
  ///
  /// - Parameter jitter: from 0 to 1, for the restart's backoff.
  mutating func exited(_ index: Int, how: String, at now: Instant, jitter: Double) -> Action? {
    guard workers.indices.contains(index - 1) else { return nil }
    let before = workers[index - 1].phase
    workers[index - 1].phase = .exited
    if isStopping || failed {
      return workers.allSatisfy({ $0.phase == .exited || $0.phase == .waiting }) ? .finish : nil
    }
    guard everStarted || before != .starting else {
      failed = true
      return .giveUp("worker \(index) \(how) before its pipeline started")
    }
    if case .ready(let since) = before, since.duration(to: now) >= stableAfter {
      workers[index - 1].failures = 0
    }
    workers[index - 1].failures += 1
    workers[index - 1].phase = .waiting
    return .restart(index, after: backoff.delay(beforeRetry: workers[index - 1].failures, jitter: jitter))
  }

  /// The restart of worker `index` is due: start it, unless the supervisor is stopping.
  mutating func restartDue(_ index: Int) -> Action? {
    guard !isStopping, !failed, workers.indices.contains(index - 1), workers[index - 1].phase == .waiting
    else { return nil }
    workers[index - 1].phase = .starting
    return .start(index)
  }

  /// Stops: returns the workers to signal (those running); ``Action/finish`` comes when the
  /// last has exited, at once if none runs.
  mutating func stop() -> (signal: [Int], finish: Bool) {
    isStopping = true
    for index in workers.indices where workers[index].phase == .waiting { workers[index].phase = .exited }
    let running = indices.filter { workers[$0 - 1].phase != .exited }
    return (running, running.isEmpty)
  }

  /// The workers running now (to signal).
  var running: [Int] {
    indices.filter { workers[$0 - 1].phase != .exited && workers[$0 - 1].phase != .waiting }
  }
}
