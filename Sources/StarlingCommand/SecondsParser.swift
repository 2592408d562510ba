/// Seconds on the command line: `2`, `0.5`, `.25`; at most a day, as in nngcat.
enum SecondsParser {
  /// The duration of `text` seconds.
  ///
  /// - Throws: ``CatError/usage(_:)`` for anything but a non-negative number up to 86400.
  static func parse(_ text: String, flag: String) throws(CatError) -> Duration {
    guard let seconds = Double(text), seconds.isFinite, seconds >= 0, !text.hasPrefix("+") else {
      throw .usage("\(flag) takes seconds (such as 2 or 0.5), not '\(text)'")
    }
    guard seconds <= 86_400 else {
      throw .usage("\(flag) is at most 86400 seconds (one day), not \(text)")
    }
    return .nanoseconds(Int64((seconds * 1e9).rounded()))
  }

  /// A duration as seconds, without trailing zeros: `2`, `0.5`.
  static func format(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let millis = attoseconds / 1_000_000_000_000_000
    if millis == 0 { return "\(seconds)" }
    var fraction = String(millis)
    fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return "\(seconds).\(fraction)"
  }
}
