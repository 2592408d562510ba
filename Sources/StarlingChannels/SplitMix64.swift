/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014):
/// a small, fast generator whose whole sequence follows from its seed.
///
/// Starling's seeded randomness comes from it: the virtual network's jitter and faults,
/// `starling proxy`'s faults, and (through ``mix(_:)`` over an atomic state) `select`'s choice
/// among ready cases. Its draws are its own arithmetic, not the standard library's default
/// generator, so a seed means the same sequence on every machine and toolchain.
package struct SplitMix64: RandomNumberGenerator, Sendable {
  /// What the state advances by at each draw: 2⁶⁴ divided by the golden ratio, odd.
  package static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

  private var state: UInt64

  /// A generator starting from `seed`.
  package init(seed: UInt64) {
    state = seed
  }

  /// The generator of stream `stream` under `seed`: streams of one seed give unrelated
  /// sequences, so each user (a connection's direction, say) can draw from its own, and what it
  /// gets does not depend on how its draws interleave with another's.
  package init(seed: UInt64, stream: UInt64) {
    var mixer = SplitMix64(seed: stream &* Self.gamma ^ 0xD1B5_4A32_D192_ED03)
    state = seed ^ mixer.next()
  }

  /// The next 64 random bits.
  package mutating func next() -> UInt64 {
    state &+= Self.gamma
    return Self.mix(state)
  }

  /// A number evenly spread over `0 ..< 1` (the top 53 bits of a draw).
  package mutating func nextUnit() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// The output function: scrambles a state into 64 random-looking bits. A state advanced by
  /// ``gamma`` elsewhere (atomically, say) gives the same sequence through it as ``next()``.
  package static func mix(_ state: UInt64) -> UInt64 {
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
