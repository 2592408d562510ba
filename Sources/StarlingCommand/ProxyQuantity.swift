import ArgumentParser

/// The durations and rates of `starling proxy`'s flags: `20ms`, `1.5s`, `1MB/s`, `8Mbit/s`.
enum ProxyQuantity {
  /// The units a duration may have, longest first so that `ms` is not read as `s`.
  private static let timeUnits: [(suffix: String, nanoseconds: Double)] = [
    ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
  ]

  /// The units a rate may have, in bytes; longest first.
  private static let rateUnits: [(suffix: String, bytes: Double)] = [
    ("Gbit", 1e9 / 8), ("Mbit", 1e6 / 8), ("kbit", 1e3 / 8), ("Kbit", 1e3 / 8), ("bit", 1.0 / 8),
    ("GiB", 1_073_741_824), ("MiB", 1_048_576), ("KiB", 1024),
    ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("kB", 1e3), ("B", 1),
  ]

  /// A duration such as `20ms`, `1.5s`, `100us`, `2m` or `0`.
  ///
  /// - Throws: `ValidationError` saying what is wrong.
  static func duration(_ text: String) throws -> Duration {
    if let zero = Double(text), zero == 0 { return .zero }
    for (suffix, scale) in timeUnits where text.hasSuffix(suffix) {
      let number = text.dropLast(suffix.count)
      guard let value = Double(number), value.isFinite, value >= 0, !number.hasPrefix("+") else { break }
      let nanoseconds = value * scale
      guard nanoseconds <= 86_400e9 else {
        throw ValidationError("'\(text)' is longer than a day")
      }
      return .nanoseconds(Int64(nanoseconds.rounded()))
    }
    if Double(text) != nil {
      throw ValidationError("'\(text)' needs a unit: 20ms, 1.5s, 100us, 2m")
    }
    throw ValidationError("'\(text)' is not a duration such as 20ms, 1.5s, 100us or 2m")
  }

  /// A rate in bytes a second, such as `1MB/s`, `500KB/s`, `1MiB/s`, `8Mbit/s` (the `/s` may
  /// be left out). KB, MB and GB are powers of 1000, KiB, MiB and GiB of 1024.
  ///
  /// - Throws: `ValidationError` saying what is wrong.
  static func rate(_ text: String) throws -> Int {
    let body = text.hasSuffix("/s") ? String(text.dropLast(2)) : text
    for (suffix, scale) in rateUnits where body.hasSuffix(suffix) {
      let number = body.dropLast(suffix.count)
      guard let value = Double(number), value.isFinite, value > 0, !number.hasPrefix("+") else { break }
      let bytes = (value * scale).rounded()
      guard bytes >= 1 else { throw ValidationError("'\(text)' is less than one byte a second") }
      guard bytes <= 1e12 else { throw ValidationError("'\(text)' is more than 1 TB a second") }
      return Int(bytes)
    }
    throw ValidationError("'\(text)' is not a rate such as 1MB/s, 500KB/s, 1MiB/s or 8Mbit/s")
  }

  /// A duration for the proxy's lines: `20ms`, `1.5s`.
  static func format(_ duration: Duration) -> String {
    let nanoseconds = ProxyShaper.nanoseconds(duration)
    if nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000)s" }
    if nanoseconds >= 1_000_000_000 { return "\(Double(nanoseconds) / 1e9)s" }
    if nanoseconds % 1_000_000 == 0 { return "\(nanoseconds / 1_000_000)ms" }
    if nanoseconds % 1000 == 0 { return "\(nanoseconds / 1000)us" }
    return "\(nanoseconds)ns"
  }
}
