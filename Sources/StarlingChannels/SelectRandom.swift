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
    SplitMix64.mix(state.wrappingAdd(SplitMix64.gamma, ordering: .relaxed).newValue)
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

/// A random order of a select's cases, in which it polls and registers them.
///
/// Up to 16 cases the permutation is packed into one integer, four bits per position, so that
/// making it allocates nothing; more cases use an array.
@usableFromInline
struct SelectOrder {
  @usableFromInline var packed: UInt64 = 0
  @usableFromInline var array: [Int] = []

  @inlinable
  init(count: Int) {
    guard count <= 16 else {
      array = Array(0..<count)
      SelectRandom.shuffle(&array)
      return
    }
    for index in 0..<count {
      packed |= UInt64(index) << (4 * UInt64(index))
    }
    guard count > 1 else { return }
    var random = SelectRandom.next()
    for i in stride(from: count - 1, to: 0, by: -1) {
      if random < UInt64(count) { random = SelectRandom.next() }
      let j = Int(random % UInt64(i + 1))
      random /= UInt64(i + 1)
      swapAt(i, j)
    }
  }

  @inlinable
  mutating func swapAt(_ i: Int, _ j: Int) {
    let a = self[i]
    let b = self[j]
    packed &= ~((0xF << (4 * UInt64(i))) | (0xF << (4 * UInt64(j))))
    packed |= (UInt64(b) << (4 * UInt64(i))) | (UInt64(a) << (4 * UInt64(j)))
  }

  /// The case to try at `position`.
  @inlinable
  subscript(position: Int) -> Int {
    array.isEmpty ? Int((packed >> (4 * UInt64(position))) & 0xF) : array[position]
  }
}
