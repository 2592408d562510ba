/// Counted nouns: "1 route", "2 routes", "2,146 more".
enum Plural {
  /// `count` and the noun, plural unless the count is 1 (`1 route`, `0 routes`, `1,024 modules`).
  static func count(_ count: Int, _ noun: String, plural: String? = nil) -> String {
    "\(grouped(count)) \(count == 1 ? noun : plural ?? noun + "s")"
  }

  /// A whole number with commas between groups of three digits: `2,146`.
  static func grouped(_ number: Int) -> String {
    let digits = String(number.magnitude)
    var out = ""
    for (index, digit) in digits.enumerated() {
      if index > 0, (digits.count - index) % 3 == 0 { out += "," }
      out.append(digit)
    }
    return (number < 0 ? "-" : "") + out
  }
}
