import Foundation

/// One argument a module type takes: its name, type, default and documentation.
public struct ArgumentSpec: Sendable {
  /// The argument's name in the config.
  public var name: String
  /// What values it takes.
  public var kind: ArgumentKind
  /// The value used when the config leaves it out; `nil` when there is none.
  public var defaultValue: EventValue?
  /// Whether a config must give it.
  public var isRequired: Bool
  /// What it does, in one or two sentences.
  public var summary: String
  /// The values a numeric argument may take (an `int` or `double` as written, a `duration`
  /// in seconds, each element of a list of them); `nil` leaves the kind's
  /// ``ArgumentKind/defaultRange``. Validation reports a value outside ``bounds`` at its line.
  public var range: ClosedRange<Double>?

  /// An optional argument; `defaultValue` is what modules see when the config leaves it out,
  /// `range` bounds a numeric one.
  public init(
    _ name: String, _ kind: ArgumentKind, default defaultValue: EventValue? = nil,
    in range: ClosedRange<Double>? = nil, _ summary: String
  ) {
    self.name = name
    self.kind = kind
    self.defaultValue = defaultValue
    self.isRequired = false
    self.summary = summary
    self.range = range
  }

  /// An argument every config must give.
  public static func required(
    _ name: String, _ kind: ArgumentKind, in range: ClosedRange<Double>? = nil, _ summary: String
  ) -> ArgumentSpec {
    var spec = ArgumentSpec(name, kind, in: range, summary)
    spec.isRequired = true
    return spec
  }

  /// The values validation accepts for a numeric argument: ``range``, or else the kind's
  /// ``ArgumentKind/defaultRange``; `nil` for an argument that is not a number.
  public var bounds: ClosedRange<Double>? { range ?? kind.defaultRange }

  /// `1 to 65536`, `0 to 1h`: ``bounds`` as `starling show` and validation messages print
  /// them; `nil` for an argument that is not a number.
  public var boundsDescription: String? {
    bounds.map { "\(kind.text(for: $0.lowerBound)) to \(kind.text(for: $0.upperBound))" }
  }

  /// A config's value in the kind's canonical form, inside ``bounds``, or what is wrong with it.
  func check(_ value: EventValue) -> Result<EventValue, ArgumentProblem> {
    switch kind.coerce(value) {
    case .success(let coerced):
      if let bounds, let outside = ArgumentSpec.firstNumber(in: coerced, outside: bounds) {
        return .failure(.outOfRange(outside))
      }
      return .success(coerced)
    case .failure(let mismatch):
      // A whole number too large for an Int is out of range rather than of the wrong kind.
      if let bounds, let number = mismatch.found.doubleValue, number.rounded() == number,
        !bounds.contains(number)
      {
        return .failure(.outOfRange(number))
      }
      return .failure(.wrongKind(mismatch))
    }
  }

  private static func firstNumber(in value: EventValue, outside bounds: ClosedRange<Double>) -> Double? {
    switch value {
    case .int, .double:
      guard let number = value.doubleValue else { return nil }
      return bounds.contains(number) ? nil : number
    case .array(let items):
      return items.lazy.compactMap { firstNumber(in: $0, outside: bounds) }.first
    default:
      return nil
    }
  }
}

/// Why a config's value does not fit its argument.
enum ArgumentProblem: Error {
  /// Not of the argument's kind.
  case wrongKind(ArgumentKindMismatch)
  /// A number outside the argument's bounds (a duration in seconds).
  case outOfRange(Double)
}

/// The values an argument takes. Validation turns what the config wrote into the kind's
/// canonical value (for example `"500ms"` into `0.5` seconds).
public indirect enum ArgumentKind: Sendable, Hashable, CustomStringConvertible {
  /// Any scalar, as text.
  case string
  /// A whole number.
  case int
  /// A number.
  case double
  /// `true`/`false` (also `yes`/`no`, `on`/`off`).
  case bool
  /// Seconds as a number, or text with a unit: `250ms`, `2s`, `5m`, `1h`. Stored as seconds.
  case duration
  /// One of a fixed set of words.
  case choice([String])
  /// A list whose elements all have one kind.
  case list(ArgumentKind)
  /// A string-keyed map of any values.
  case map
  /// Any value: scalar, list or map.
  case any

  /// How `starling show` prints the kind.
  public var description: String {
    switch self {
    case .string: return "string"
    case .int: return "int"
    case .double: return "number"
    case .bool: return "bool"
    case .duration: return "duration"
    case .choice(let words): return words.joined(separator: "|")
    case .list(let element): return "[\(element)]"
    case .map: return "map"
    case .any: return "any"
    }
  }

  /// The value in this kind's canonical form, or the reason it does not fit.
  public func coerce(_ value: EventValue) -> Result<EventValue, ArgumentKindMismatch> {
    func mismatch() -> Result<EventValue, ArgumentKindMismatch> {
      .failure(ArgumentKindMismatch(expected: self, found: value))
    }
    switch self {
    case .any:
      return .success(value)
    case .string:
      switch value {
      case .string: return .success(value)
      case .int, .double, .bool: return .success(.string(value.description))
      default: return mismatch()
      }
    case .int:
      if let number = value.intValue { return .success(.int(number)) }
      if let text = value.stringValue, let number = Int(text) { return .success(.int(number)) }
      return mismatch()
    case .double:
      if let number = value.doubleValue { return .success(.double(number)) }
      if let text = value.stringValue, let number = Double(text) { return .success(.double(number)) }
      return mismatch()
    case .bool:
      if let flag = value.boolValue { return .success(.bool(flag)) }
      switch value.stringValue?.lowercased() {
      case "true", "yes", "on": return .success(.bool(true))
      case "false", "no", "off": return .success(.bool(false))
      default: return mismatch()
      }
    case .duration:
      if let seconds = value.doubleValue, seconds >= 0 { return .success(.double(seconds)) }
      if let text = value.stringValue, let seconds = ArgumentKind.seconds(text) {
        return .success(.double(seconds))
      }
      return mismatch()
    case .choice(let words):
      if let text = value.stringValue, words.contains(text) { return .success(.string(text)) }
      return mismatch()
    case .list(let element):
      guard case .array(let list) = value else { return mismatch() }
      var out: [EventValue] = []
      for item in list {
        switch element.coerce(item) {
        case .success(let coerced): out.append(coerced)
        case .failure(let failure): return .failure(failure)
        }
      }
      return .success(.array(out))
    case .map:
      guard case .object = value else { return mismatch() }
      return .success(value)
    }
  }

  /// The bounds of an argument of this kind whose spec names none: `int` -2^31 to 2^31 - 1,
  /// `double` -10^15 to 10^15, `duration` 0 to 365 days (a list: its elements' bounds).
  /// Every number a config gives is bounded, so no config number can size an allocation
  /// without limit or overflow a conversion.
  public var defaultRange: ClosedRange<Double>? {
    switch self {
    case .int: return Double(Int32.min)...Double(Int32.max)
    case .double: return -1e15...1e15
    case .duration: return 0...ArgumentKind.longestDuration
    case .list(let element): return element.defaultRange
    default: return nil
    }
  }

  /// The longest duration any argument or setting takes unless it says otherwise: 365 days,
  /// in seconds.
  public static let longestDuration: Double = 365 * 86400

  /// A number of this kind as configs write it: a duration with its unit (`0`, `250ms`,
  /// `1.5s`, `5m`, `2h`), a whole number without a fraction.
  public func text(for number: Double) -> String {
    func plain(_ value: Double) -> String {
      value == value.rounded() && abs(value) < 1e18 ? String(Int(value)) : String(value)
    }
    guard number.isFinite else { return String(number) }
    switch self {
    case .duration:
      if number == 0 { return "0" }
      if number >= 86400, (number / 86400).rounded() == number / 86400 { return plain(number / 86400) + "d" }
      if number >= 3600, (number / 3600).rounded() == number / 3600 { return plain(number / 3600) + "h" }
      if number >= 60, (number / 60).rounded() == number / 60 { return plain(number / 60) + "m" }
      if number < 1 { return plain((number * 1000 * 1000).rounded() / 1000) + "ms" }
      return plain(number) + "s"
    case .list(let element):
      return element.text(for: number)
    default:
      return plain(number)
    }
  }

  /// Seconds in `250ms`, `2s`, `1.5m`, `1h`, `2d` or a bare number.
  static func seconds(_ text: String) -> Double? {
    let units: [(String, Double)] = [
      ("ms", 0.001), ("us", 0.000_001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400),
    ]
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
      guard let number = Double(trimmed.dropLast(suffix.count)), number >= 0 else { return nil }
      return number * scale
    }
    return Double(trimmed).flatMap { $0 >= 0 ? $0 : nil }
  }
}

/// A value that does not fit an argument's kind.
public struct ArgumentKindMismatch: Error, Sendable {
  /// The kind the argument wants.
  public var expected: ArgumentKind
  /// What the config gave.
  public var found: EventValue
}
