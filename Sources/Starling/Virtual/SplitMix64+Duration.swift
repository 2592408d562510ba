import struct StarlingChannels.SplitMix64

extension SplitMix64 {
  /// A duration spread over `0 ... limit` (in nanoseconds; zero when `limit` is not positive):
  /// the virtual network's jitter.
  mutating func nextDuration(upTo limit: Duration) -> Duration {
    let nanoseconds = limit.nanoseconds
    guard nanoseconds > 0 else { return .zero }
    // Multiply-high maps 64 random bits onto 0 ... nanoseconds with a negligible bias.
    let span = UInt64(nanoseconds) + 1
    return .nanoseconds(Int64(next().multipliedFullWidth(by: span).high))
  }
}
