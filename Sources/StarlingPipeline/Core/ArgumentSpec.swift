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

  /// An optional argument; `defaultValue` is what modules see when the config leaves it out.
  public init(
    _ name: String, _ kind: ArgumentKind, default defaultValue: EventValue? = nil, _ summary: String
  ) {
    self.name = name
    self.kind = kind
    self.defaultValue = defaultValue
    self.isRequired = false
    self.summary = summary
  }

  /// An argument every config must give.
  public static func required(_ name: String, _ kind: ArgumentKind, _ summary: String) -> ArgumentSpec {
    var spec = ArgumentSpec(name, kind, summary)
    spec.isRequired = true
    return spec
  }
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

  /// Seconds in `250ms`, `2s`, `1.5m`, `1h` or a bare number.
  static func seconds(_ text: String) -> Double? {
    let units: [(String, Double)] = [("ms", 0.001), ("us", 0.000_001), ("s", 1), ("m", 60), ("h", 3600)]
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
