/// How long to wait before each retry: ``minimum`` before the first, doubling with each retry
/// up to ``maximum``, jittered so that many clients retrying at once spread out.
///
/// A pure schedule: the caller supplies the jitter (a random number in real use) and sleeps on
/// its own clock.
///
/// ```swift
/// let backoff = Backoff(minimum: .milliseconds(100), maximum: .seconds(5))
/// backoff.delay(beforeRetry: 1, jitter: 1)  // 100 ms
/// backoff.delay(beforeRetry: 4, jitter: 1)  // 800 ms
/// backoff.delay(beforeRetry: 4, jitter: 0)  // 400 ms: jitter takes up to half off
/// backoff.delay(beforeRetry: 9, jitter: 1)  // 5 s, the maximum
/// ```
public struct Backoff: Sendable, Hashable {
  /// The wait before the first retry (before jitter).
  public var minimum: Duration
  /// The longest wait (before jitter).
  public var maximum: Duration

  /// A schedule from `minimum` doubling up to `maximum` (a maximum below the minimum is taken
  /// as the minimum).
  public init(minimum: Duration, maximum: Duration) {
    self.minimum = minimum
    self.maximum = max(minimum, maximum)
  }

  /// The wait before retry number `retry` (1 for the first): `minimum × 2^(retry − 1)`, at most
  /// `maximum`, times `(1 + jitter) / 2`: between half of it (`jitter` 0) and all of it
  /// (`jitter` 1).
  ///
  /// - Parameters:
  ///   - retry: which retry, from 1 (smaller counts as 1).
  ///   - jitter: from 0 to 1 (clamped); `Double.random(in: 0...1)` in real use.
  public func delay(beforeRetry retry: Int, jitter: Double) -> Duration {
    let doublings = min(max(retry, 1) - 1, 62)
    let limit = seconds(maximum)
    let full = min(seconds(minimum) * Double(UInt64(1) << UInt64(doublings)), limit)
    let scaled = full * (1 + min(max(jitter, 0), 1)) / 2
    return .nanoseconds(Int64((scaled * 1e9).rounded()))
  }

  private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
  }
}
