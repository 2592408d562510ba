/// The seeded generator behind `starling proxy`'s random faults (SplitMix64): the same seed
/// gives the same numbers on every machine, so a run's faults can be replayed with `--seed`.
///
/// Each direction of each connection draws from a stream of its own, derived from the seed and
/// the connection's number, so what one connection gets does not depend on how its traffic
/// interleaves with another's.
struct ProxyRandom: RandomNumberGenerator, Sendable {
  private var state: UInt64

  /// The generator for `seed`.
  init(seed: UInt64) {
    state = seed
  }

  /// The generator of stream `stream` under `seed` (a connection's direction, say).
  init(seed: UInt64, stream: UInt64) {
    var mixer = ProxyRandom(seed: stream &* 0x9E37_79B9_7F4A_7C15 ^ 0xD1B5_4A32_D192_ED03)
    state = seed ^ mixer.next()
  }

  /// The next 64 random bits.
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
