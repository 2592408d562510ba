import Synchronization

/// Cheap randomness for `select`'s choice among ready cases.
///
/// The system generator makes a system call per use; a select needs only a fair shuffle, so a
/// SplitMix64 sequence over a shared, atomically advanced state is enough. The state is seeded
/// once from the system generator.
@usableFromInline
enum SelectRandom {
  private static let state = Atomic<UInt64>(UInt64.random(in: .min ... .max))

  /// The next pseudo-random value.
  @usableFromInline
  static func next() -> UInt64 {
    var z = state.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Shuffles `order` uniformly (Fisher-Yates).
  @inlinable
  static func shuffle(_ order: inout [Int]) {
    guard order.count > 1 else { return }
    var random = next()
    for i in stride(from: order.count - 1, to: 0, by: -1) {
      if random < UInt64(order.count) { random = next() }
      let j = Int(random % UInt64(i + 1))
      random /= UInt64(i + 1)
      order.swapAt(i, j)
    }
  }
}
