import Synchronization

/// An event's id: 128 bits, printed like a UUID.
///
/// The first half is random per process, the second a counter, so making one is an atomic
/// increment rather than a call into the system's random source.
public struct EventID: Sendable, Hashable, CustomStringConvertible {
  /// The random half, the same for every id this process makes.
  public let high: UInt64
  /// The counter half.
  public let low: UInt64

  private static let prefix = UInt64.random(in: .min ... .max)
  private static let counter = Atomic<UInt64>(0)

  /// Makes a new id.
  public init() {
    high = EventID.prefix
    low = EventID.counter.wrappingAdd(1, ordering: .relaxed).newValue
  }

  /// An id from its two halves.
  public init(high: UInt64, low: UInt64) {
    self.high = high
    self.low = low
  }

  /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower-case hex.
  public var description: String {
    let digits = hexDigits(high) + hexDigits(low)
    var out = ""
    out.reserveCapacity(36)
    for (offset, character) in digits.enumerated() {
      if [8, 12, 16, 20].contains(offset) { out.append("-") }
      out.append(character)
    }
    return out
  }

  private func hexDigits(_ value: UInt64) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: 16 - text.count) + text
  }
}
