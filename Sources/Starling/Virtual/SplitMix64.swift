/// SplitMix64 (Steele, Lea and Flood): a small, fast generator whose whole sequence follows from
/// its seed. The virtual network draws its jitter and faults from it, so the same seed gives the
/// same network behaviour.
///
/// Its draws are its own arithmetic (not the standard library's `random(in:using:)`, whose
/// algorithm may change between Swift versions), so a seed means the same on every toolchain.
struct SplitMix64: Sendable {
  private var state: UInt64

  /// A generator starting from `seed`.
  init(seed: UInt64) {
    state = seed
  }

  /// The next 64 random bits.
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A number evenly spread over `0 ..< 1`.
  mutating func nextUnit() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// A duration spread over `0 ... limit` (in nanoseconds; zero when `limit` is not positive).
  mutating func nextDuration(upTo limit: Duration) -> Duration {
    let nanoseconds = limit.nanoseconds
    guard nanoseconds > 0 else { return .zero }
    // Multiply-high maps 64 random bits onto 0 ... nanoseconds with a negligible bias.
    let span = UInt64(nanoseconds) + 1
    return .nanoseconds(Int64(next().multipliedFullWidth(by: span).high))
  }
}

extension Duration {
  /// The duration in whole nanoseconds (rounded down).
  var nanoseconds: Int64 {
    let (seconds, attoseconds) = components
    return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
  }
}
