/// Any clock that measures time in `Duration`s, as one concrete type.
///
/// Sockets keep their clock in an option (`SocketOptions.clock`), so its type cannot be a generic
/// parameter: ``AnyClock`` wraps the real ``continuous`` clock, a ``ManualClock`` in tests, or
/// any other `Clock` whose duration is `Duration`.
///
/// ```swift
/// let clock = ManualClock()
/// let erased = AnyClock(clock)
/// clock.advance(by: .seconds(5))
/// // erased.now is 5 s after the instant the wrapper was made
/// ```
///
/// An instant of an ``AnyClock`` is the time since the wrapper was made. Copies of one wrapper
/// share its origin, so their instants compare; instants of two wrappers made separately do
/// not, even around the same clock. Wrapping stores the clock and one instant inline: it does
/// not allocate for the standard clocks or for ``ManualClock``.
public struct AnyClock: Clock {
  /// An instant of an ``AnyClock``: the time since the wrapper was made.
  public typealias Instant = OffsetInstant

  private let base: any ErasedClock

  /// The real clock: `ContinuousClock`, which keeps counting while the system sleeps. The
  /// default of everything that takes an ``AnyClock``.
  public static let continuous = AnyClock(ContinuousClock())

  /// Wraps `clock`; the wrapper's instants count from now.
  public init<C: Clock>(_ clock: C) where C.Duration == Duration {
    base = Erased(wrapped: clock, origin: clock.now)
  }

  /// The wrapped clock.
  public var clock: any Clock<Duration> { base.clock }

  /// The current instant: the time since the wrapper was made, on the wrapped clock.
  public var now: Instant { Instant(offset: base.elapsed) }

  /// The wrapped clock's resolution.
  public var minimumResolution: Duration { base.clock.minimumResolution }

  /// Sleeps on the wrapped clock until `deadline`.
  ///
  /// - Throws: `CancellationError` if the task is cancelled first (as the wrapped clock does).
  public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
    try await base.sleep(until: deadline.offset, tolerance: tolerance)
  }
}

/// What ``AnyClock`` needs of the clock it wraps, with instants as offsets from an origin.
private protocol ErasedClock: Sendable {
  var clock: any Clock<Duration> { get }
  var elapsed: Duration { get }
  func sleep(until offset: Duration, tolerance: Duration?) async throws
}

/// A clock and the instant its wrapper counts from.
private struct Erased<C: Clock>: ErasedClock where C.Duration == Duration {
  let wrapped: C
  let origin: C.Instant

  var clock: any Clock<Duration> { wrapped }

  var elapsed: Duration { origin.duration(to: wrapped.now) }

  func sleep(until offset: Duration, tolerance: Duration?) async throws {
    try await wrapped.sleep(until: origin.advanced(by: offset), tolerance: tolerance)
  }
}
