/// A JSON-like value: what an event's `data` and `header` hold.
///
/// Besides JSON's types it has `bytes`, so a message read off a socket travels through a
/// pipeline untouched until a module decodes it. Literals build values directly:
///
/// ```swift
/// let user: EventValue = ["name": "Ada", "langs": ["swift", "c"], "age": 36]
/// ```
public enum EventValue: Sendable, Hashable {
  /// JSON's `null`.
  case null
  /// A boolean.
  case bool(Bool)
  /// A whole number.
  case int(Int)
  /// A floating-point number.
  case double(Double)
  /// A text.
  case string(String)
  /// Raw bytes (a socket message, a file chunk).
  case bytes([UInt8])
  /// An ordered list.
  case array([EventValue])
  /// A string-keyed map.
  case object([String: EventValue])

  /// The text, if this is a string; bytes are decoded as UTF-8.
  public var stringValue: String? {
    switch self {
    case .string(let string): return string
    case .bytes(let bytes): return String(decoding: bytes, as: UTF8.self)
    default: return nil
    }
  }

  /// The number as an `Int`, if this is a whole number (or a double with no fraction).
  public var intValue: Int? {
    switch self {
    case .int(let value): return value
    case .double(let value): return value.rounded() == value ? Int(exactly: value) : nil
    default: return nil
    }
  }

  /// The number as a `Double`, if this is a number.
  public var doubleValue: Double? {
    switch self {
    case .int(let value): return Double(value)
    case .double(let value): return value
    default: return nil
    }
  }

  /// The boolean, if this is one.
  public var boolValue: Bool? {
    if case .bool(let value) = self { return value }
    return nil
  }

  /// The map, if this is an object.
  public var objectValue: [String: EventValue]? {
    if case .object(let value) = self { return value }
    return nil
  }

  /// The list, if this is an array.
  public var arrayValue: [EventValue]? {
    if case .array(let value) = self { return value }
    return nil
  }

  /// The value's bytes: raw bytes as they are, a string as UTF-8, anything else as JSON.
  public var byteValue: [UInt8] {
    switch self {
    case .bytes(let bytes): return bytes
    case .string(let string): return Array(string.utf8)
    default: return JSON.encode(self)
    }
  }

  /// A name for the value's type, as errors and docs print it.
  public var typeName: String {
    switch self {
    case .null: return "null"
    case .bool: return "bool"
    case .int: return "int"
    case .double: return "double"
    case .string: return "string"
    case .bytes: return "bytes"
    case .array: return "array"
    case .object: return "object"
    }
  }

  /// Whether the value counts as true in a condition: not null, not false, not zero, not
  /// empty.
  public var isTruthy: Bool {
    switch self {
    case .null: return false
    case .bool(let value): return value
    case .int(let value): return value != 0
    case .double(let value): return value != 0
    case .string(let value): return !value.isEmpty
    case .bytes(let value): return !value.isEmpty
    case .array(let value): return !value.isEmpty
    case .object(let value): return !value.isEmpty
    }
  }

  // MARK: Paths

  /// The value at a dotted path inside this one (`"user.name"`, `"items.0"`); the whole value
  /// for an empty path; `nil` where the path leads nowhere. Setting creates the objects on the
  /// way; setting `nil` deletes.
  public subscript(path path: String) -> EventValue? {
    get { self[components: path[...]] }
    set { self[components: path[...]] = newValue }
  }

  /// The first component of a dotted path and the rest (empty when there is no dot).
  static func head(_ path: Substring) -> (Substring, Substring) {
    guard let dot = path.firstIndex(of: ".") else { return (path, path[path.endIndex...]) }
    return (path[..<dot], path[path.index(after: dot)...])
  }

  subscript(components path: Substring) -> EventValue? {
    get {
      if path.isEmpty { return self }
      let (first, rest) = EventValue.head(path)
      switch self {
      case .object(let map):
        return map[String(first)]?[components: rest]
      case .array(let list):
        guard let index = Int(first), list.indices.contains(index) else { return nil }
        return list[index][components: rest]
      default:
        return nil
      }
    }
    set {
      if path.isEmpty {
        self = newValue ?? .null
        return
      }
      let (first, rest) = EventValue.head(path)
      if case .array(var list) = self, let index = Int(first), list.indices.contains(index) {
        self = .null  // let `list` be the array's only owner while it changes
        if rest.isEmpty, newValue == nil {
          list.remove(at: index)
        } else {
          list[index][components: rest] = newValue
        }
        self = .array(list)
        return
      }
      var map = objectValue ?? [:]
      self = .null  // let `map` be the dictionary's only owner while it changes
      let key = String(first)
      if rest.isEmpty {
        map[key] = newValue
      } else {
        var child = map.removeValue(forKey: key) ?? .object([:])
        child[components: rest] = newValue
        map[key] = child
      }
      self = .object(map)
    }
  }
}

extension EventValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral,
  ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
  ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
  /// `null`.
  public init(nilLiteral: ()) { self = .null }
  /// A boolean.
  public init(booleanLiteral value: Bool) { self = .bool(value) }
  /// A whole number.
  public init(integerLiteral value: Int) { self = .int(value) }
  /// A floating-point number.
  public init(floatLiteral value: Double) { self = .double(value) }
  /// A string.
  public init(stringLiteral value: String) { self = .string(value) }
  /// An array.
  public init(arrayLiteral elements: EventValue...) { self = .array(elements) }
  /// An object.
  public init(dictionaryLiteral elements: (String, EventValue)...) {
    self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
  }
}

extension EventValue: CustomStringConvertible {
  /// Strings as they are, bytes as UTF-8 where they are valid, everything else as JSON.
  public var description: String {
    switch self {
    case .string(let string): return string
    default: return String(decoding: JSON.encode(self), as: UTF8.self)
    }
  }
}
