/// A virtual network's clock, whatever its type: the time since the network was made, and
/// sleeping until such a time.
struct VirtualClock: Sendable {
  private let elapsed: @Sendable () -> Duration
  private let sleeper: @Sendable (Duration) async throws -> Void

  /// Wraps `clock`; times count from now.
  init<C: Clock>(_ clock: C) where C.Duration == Duration {
    let origin = clock.now
    elapsed = { origin.duration(to: clock.now) }
    sleeper = { try await clock.sleep(until: origin.advanced(by: $0), tolerance: nil) }
  }

  /// The time since the clock was wrapped.
  var now: Duration { elapsed() }

  /// Sleeps until `time` after the clock was wrapped (at once if that has passed).
  ///
  /// - Throws: `CancellationError` if the task is cancelled first.
  func sleep(until time: Duration) async throws {
    try await sleeper(time)
  }
}
