/// JSON text to and from ``EventValue``, without Foundation: a small, strict RFC 8259 reader
/// and a writer with sorted keys, so the same value always prints the same bytes.
public enum JSON {
  /// What is wrong with a JSON text, and at which byte.
  public struct DecodingError: Error, CustomStringConvertible, Sendable {
    /// The byte offset where reading stopped.
    public var offset: Int
    /// What was expected or found there.
    public var reason: String
    /// "invalid JSON at byte N: reason".
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
  }

  /// Encodes a value. Bytes are written as a string: as UTF-8 text when they are valid UTF-8,
  /// otherwise as base64.
  public static func encode(_ value: EventValue, pretty: Bool = false) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(64)
    write(value, into: &out, indent: pretty ? 0 : nil)
    return out
  }

  /// Decodes one JSON value that fills the whole text (surrounding whitespace allowed).
  ///
  /// The text is RFC 8259 exactly, in UTF-8: no byte order mark, no comments, no trailing
  /// commas, no leading zeros, no `NaN`; strings are valid UTF-8 with control characters
  /// escaped and surrogate escapes in pairs; a number too large for a `Double` (`1e999`) is
  /// refused rather than read as infinity. Whole numbers that fit are `.int` (`-0` too, as 0),
  /// other numbers `.double`. Arrays and objects nest at most ``maximumDepth`` deep. A key
  /// given twice keeps its last value.
  public static func decode(_ bytes: some Collection<UInt8>) throws(DecodingError) -> EventValue {
    var reader = Reader(bytes: Array(bytes))
    return try reader.document()
  }

  /// Decodes one JSON value from a string.
  public static func decode(_ text: String) throws(DecodingError) -> EventValue {
    try decode(Array(text.utf8))
  }

  // MARK: Writing

  private static func write(_ value: EventValue, into out: inout [UInt8], indent: Int?) {
    switch value {
    case .null: out.append(contentsOf: "null".utf8)
    case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
    case .int(let number): out.append(contentsOf: String(number).utf8)
    case .double(let number):
      if number.isFinite {
        if number.rounded() == number, abs(number) < 1e15 {
          out.append(contentsOf: String(Int(number)).utf8)
          out.append(contentsOf: ".0".utf8)
        } else {
          out.append(contentsOf: String(number).utf8)
        }
      } else {
        out.append(contentsOf: "null".utf8)
      }
    case .string(let string): writeString(string, into: &out)
    case .bytes(let bytes):
      if let text = String(validating: bytes, as: UTF8.self) {
        writeString(text, into: &out)
      } else {
        writeString(Base64.encode(bytes), into: &out)
      }
    case .array(let list):
      out.append(UInt8(ascii: "["))
      for (position, element) in list.enumerated() {
        if position > 0 { out.append(UInt8(ascii: ",")) }
        newline(into: &out, indent: indent.map { $0 + 1 })
        write(element, into: &out, indent: indent.map { $0 + 1 })
      }
      if !list.isEmpty { newline(into: &out, indent: indent) }
      out.append(UInt8(ascii: "]"))
    case .object(let map):
      out.append(UInt8(ascii: "{"))
      for (position, key) in map.keys.sorted().enumerated() {
        if position > 0 { out.append(UInt8(ascii: ",")) }
        newline(into: &out, indent: indent.map { $0 + 1 })
        writeString(key, into: &out)
        out.append(UInt8(ascii: ":"))
        if indent != nil { out.append(UInt8(ascii: " ")) }
        write(map[key]!, into: &out, indent: indent.map { $0 + 1 })
      }
      if !map.isEmpty { newline(into: &out, indent: indent) }
      out.append(UInt8(ascii: "}"))
    }
  }

  private static func newline(into out: inout [UInt8], indent: Int?) {
    guard let indent else { return }
    out.append(UInt8(ascii: "\n"))
    out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
  }

  private static let hex = Array("0123456789abcdef".utf8)

  private static func writeString(_ string: String, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    for byte in string.utf8 {
      switch byte {
      case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
      case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
      case UInt8(ascii: "\n"): out.append(contentsOf: [92, UInt8(ascii: "n")])
      case UInt8(ascii: "\r"): out.append(contentsOf: [92, UInt8(ascii: "r")])
      case UInt8(ascii: "\t"): out.append(contentsOf: [92, UInt8(ascii: "t")])
      case 0..<0x20:
        out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
      default: out.append(byte)
      }
    }
    out.append(UInt8(ascii: "\""))
  }

  // MARK: Reading

  /// The deepest nesting of arrays and objects that `decode` reads.
  public static let maximumDepth = 512

  /// An RFC 8259 reader: exactly the grammar, UTF-8 only (no byte order mark), strings that
  /// are valid Unicode (no lone surrogates), numbers that fit a `Double`, nesting up to
  /// ``JSON/maximumDepth``.
  private struct Reader {
    let bytes: [UInt8]
    var index = 0

    static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

    func fail(_ reason: String) -> DecodingError { DecodingError(offset: index, reason: reason) }

    mutating func document() throws(DecodingError) -> EventValue {
      if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
        throw fail("a byte order mark (U+FEFF) is not JSON")
      }
      skipSpace()
      let value = try value(depth: 0)
      skipSpace()
      guard index == bytes.count else { throw fail("unexpected text after the value") }
      return value
    }

    mutating func skipSpace() {
      while index < bytes.count {
        switch bytes[index] {
        case 0x20, 0x0A, 0x0D, 0x09: index += 1
        default: return
        }
      }
    }

    mutating func value(depth: Int) throws(DecodingError) -> EventValue {
      guard index < bytes.count else { throw fail("unexpected end of text") }
      switch bytes[index] {
      case UInt8(ascii: "{"): return try object(depth: depth + 1)
      case UInt8(ascii: "["): return try array(depth: depth + 1)
      case Reader.quote: return .string(try string())
      case UInt8(ascii: "t"): return try literal("true", .bool(true))
      case UInt8(ascii: "f"): return try literal("false", .bool(false))
      case UInt8(ascii: "n"): return try literal("null", .null)
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
      case let byte: throw fail("unexpected \(Reader.describe(byte))")
      }
    }

    /// A byte as a message names it: a printable character in quotes, otherwise in hex.
    static func describe(_ byte: UInt8) -> String {
      (0x21..<0x7F).contains(byte)
        ? "character '\(Unicode.Scalar(byte))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    mutating func literal(_ word: StaticString, _ value: EventValue) throws(DecodingError) -> EventValue {
      let count = word.utf8CodeUnitCount
      guard bytes.count - index >= count else { throw fail("expected \(word)") }
      for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
        throw fail("expected \(word)")
      }
      index += count
      return value
    }

    mutating func object(depth: Int) throws(DecodingError) -> EventValue {
      guard depth <= JSON.maximumDepth else { throw fail("nested more than \(JSON.maximumDepth) deep") }
      index += 1
      var map: [String: EventValue] = [:]
      skipSpace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
        index += 1
        return .object(map)
      }
      while true {
        skipSpace()
        guard index < bytes.count, bytes[index] == Reader.quote else {
          throw fail("expected a key in quotes")
        }
        let key = try string()
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
        index += 1
        skipSpace()
        map[key] = try value(depth: depth)
        skipSpace()
        guard index < bytes.count else { throw fail("unexpected end of text") }
        if bytes[index] == UInt8(ascii: ",") {
          index += 1
        } else if bytes[index] == UInt8(ascii: "}") {
          index += 1
          return .object(map)
        } else {
          throw fail("expected ',' or '}'")
        }
      }
    }

    mutating func array(depth: Int) throws(DecodingError) -> EventValue {
      guard depth <= JSON.maximumDepth else { throw fail("nested more than \(JSON.maximumDepth) deep") }
      index += 1
      var list: [EventValue] = []
      skipSpace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
        index += 1
        return .array(list)
      }
      while true {
        skipSpace()
        list.append(try value(depth: depth))
        skipSpace()
        guard index < bytes.count else { throw fail("unexpected end of text") }
        if bytes[index] == UInt8(ascii: ",") {
          index += 1
        } else if bytes[index] == UInt8(ascii: "]") {
          index += 1
          return .array(list)
        } else {
          throw fail("expected ',' or ']'")
        }
      }
    }

    func isDigit(_ at: Int) -> Bool {
      at < bytes.count && bytes[at] >= UInt8(ascii: "0") && bytes[at] <= UInt8(ascii: "9")
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`: an `int` when it is whole and
    /// fits, otherwise a `double`; a number too large for a `Double` is refused.
    mutating func number() throws(DecodingError) -> EventValue {
      let start = index
      let negative = bytes[index] == UInt8(ascii: "-")
      if negative { index += 1 }
      guard isDigit(index) else { throw fail("expected a digit") }
      var magnitude: UInt64 = 0
      var fits = true
      if bytes[index] == UInt8(ascii: "0") {
        index += 1
        if isDigit(index) { throw fail("a number cannot start with 0 and go on with digits") }
      } else {
        while isDigit(index) {
          let (times10, overflowed) = magnitude.multipliedReportingOverflow(by: 10)
          let (sum, carried) = times10.addingReportingOverflow(UInt64(bytes[index] &- UInt8(ascii: "0")))
          fits = fits && !overflowed && !carried
          magnitude = sum
          index += 1
        }
      }
      var isWhole = true
      if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
        index += 1
        guard isDigit(index) else { throw fail("expected a digit after '.'") }
        while isDigit(index) { index += 1 }
        isWhole = false
      }
      if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
        index += 1
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
          index += 1
        }
        guard isDigit(index) else { throw fail("expected a digit in the exponent") }
        while isDigit(index) { index += 1 }
        isWhole = false
      }
      if isWhole, fits {
        if !negative, magnitude <= UInt64(Int.max) { return .int(Int(magnitude)) }
        if negative, magnitude <= UInt64(Int.max) + 1 { return .int(Int(truncatingIfNeeded: 0 &- magnitude)) }
      }
      let text = String(decoding: bytes[start..<index], as: UTF8.self)
      guard let number = Double(text), number.isFinite else {
        throw DecodingError(offset: start, reason: "the number \(text) is out of range")
      }
      return .double(number)
    }

    /// A string, the reader at its opening quote.
    mutating func string() throws(DecodingError) -> String {
      let start = index
      index += 1
      // Most strings have no escapes: their bytes are the text.
      var bits: UInt8 = 0
      while index < bytes.count {
        let byte = bytes[index]
        if byte == Reader.quote {
          index += 1
          // ASCII needs no validating (String(validating:) is several times slower).
          return bits < 0x80
            ? String(decoding: bytes[start + 1..<index - 1], as: UTF8.self)
            : try text(bytes[start + 1..<index - 1], start: start)
        }
        if byte == Reader.backslash || byte < 0x20 { break }
        bits |= byte
        index += 1
      }
      var out = Array(bytes[start + 1..<index])
      while index < bytes.count {
        let byte = bytes[index]
        switch byte {
        case Reader.quote:
          index += 1
          return try text(out[...], start: start)
        case Reader.backslash:
          try escape(into: &out)
        case 0..<0x20:
          throw fail(
            "control character 0x\(String(byte, radix: 16, uppercase: true)) in a string (escape it)")
        default:
          out.append(byte)
          index += 1
        }
      }
      throw DecodingError(offset: start, reason: "unterminated string")
    }

    func text(_ utf8: ArraySlice<UInt8>, start: Int) throws(DecodingError) -> String {
      guard let text = String(validating: utf8, as: UTF8.self) else {
        throw DecodingError(offset: start, reason: "the string is not valid UTF-8")
      }
      return text
    }

    /// One escape sequence, the reader at its backslash.
    mutating func escape(into out: inout [UInt8]) throws(DecodingError) {
      let start = index
      index += 1
      guard index < bytes.count else { throw fail("unexpected end of text") }
      let escape = bytes[index]
      index += 1
      switch escape {
      case Reader.quote, Reader.backslash, UInt8(ascii: "/"): out.append(escape)
      case UInt8(ascii: "b"): out.append(8)
      case UInt8(ascii: "f"): out.append(12)
      case UInt8(ascii: "n"): out.append(10)
      case UInt8(ascii: "r"): out.append(13)
      case UInt8(ascii: "t"): out.append(9)
      case UInt8(ascii: "u"):
        var value = try hex4()
        switch value {
        case 0xD800..<0xDC00:
          guard bytes.count - index >= 6, bytes[index] == Reader.backslash,
            bytes[index + 1] == UInt8(ascii: "u")
          else {
            throw DecodingError(offset: start, reason: "a high surrogate escape without its low surrogate")
          }
          index += 2
          let low = try hex4()
          guard (0xDC00..<0xE000).contains(low) else {
            throw DecodingError(offset: start, reason: "a high surrogate escape without its low surrogate")
          }
          value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
        case 0xDC00..<0xE000:
          throw DecodingError(offset: start, reason: "a low surrogate escape without its high surrogate")
        default:
          break
        }
        // Not a surrogate, or a pair's code point: always a scalar.
        UTF8.encode(Unicode.Scalar(value)!) { out.append($0) }
      default:
        throw DecodingError(offset: start, reason: "unknown escape: \\ then \(Reader.describe(escape))")
      }
    }

    mutating func hex4() throws(DecodingError) -> UInt32 {
      guard bytes.count - index >= 4 else { throw fail("expected 4 hex digits") }
      var value: UInt32 = 0
      for _ in 0..<4 {
        let byte = bytes[index]
        let digit: UInt32
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 48)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 87)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 55)
        default: throw fail("expected 4 hex digits")
        }
        value = value * 16 + digit
        index += 1
      }
      return value
    }
  }
}

/// Base64 (RFC 4648, with padding), for bytes that must travel as text.
enum Base64 {
  private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

  static func encode(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index < bytes.count {
      let chunk = bytes[index..<min(index + 3, bytes.count)]
      let b0 = chunk[chunk.startIndex]
      let b1 = chunk.count > 1 ? chunk[chunk.startIndex + 1] : 0
      let b2 = chunk.count > 2 ? chunk[chunk.startIndex + 2] : 0
      out.append(alphabet[Int(b0 >> 2)])
      out.append(alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
      out.append(chunk.count > 1 ? alphabet[Int((b1 & 15) << 2 | b2 >> 6)] : UInt8(ascii: "="))
      out.append(chunk.count > 2 ? alphabet[Int(b2 & 63)] : UInt8(ascii: "="))
      index += 3
    }
    return String(decoding: out, as: UTF8.self)
  }
}
