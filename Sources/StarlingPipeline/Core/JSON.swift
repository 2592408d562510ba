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
  public static func decode(_ bytes: some Collection<UInt8>) throws(DecodingError) -> EventValue {
    var reader = Reader(bytes: Array(bytes))
    reader.skipSpace()
    let value = try reader.value(depth: 0)
    reader.skipSpace()
    guard reader.index == reader.bytes.count else {
      throw DecodingError(offset: reader.index, reason: "unexpected text after the value")
    }
    return value
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

  private struct Reader {
    let bytes: [UInt8]
    var index = 0

    mutating func skipSpace() {
      while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    func fail(_ reason: String) -> DecodingError { DecodingError(offset: index, reason: reason) }

    mutating func value(depth: Int) throws(DecodingError) -> EventValue {
      guard depth < 512 else { throw fail("nested more than 512 deep") }
      guard index < bytes.count else { throw fail("unexpected end of text") }
      switch bytes[index] {
      case UInt8(ascii: "{"): return try object(depth: depth)
      case UInt8(ascii: "["): return try array(depth: depth)
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "t"): try literal("true"); return .bool(true)
      case UInt8(ascii: "f"): try literal("false"); return .bool(false)
      case UInt8(ascii: "n"): try literal("null"); return .null
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
      default: throw fail("unexpected character '\(Unicode.Scalar(bytes[index]))'")
      }
    }

    mutating func literal(_ word: String) throws(DecodingError) {
      let utf8 = Array(word.utf8)
      guard bytes.count - index >= utf8.count, Array(bytes[index..<index + utf8.count]) == utf8 else {
        throw fail("expected \(word)")
      }
      index += utf8.count
    }

    mutating func object(depth: Int) throws(DecodingError) -> EventValue {
      index += 1
      var map: [String: EventValue] = [:]
      skipSpace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
        index += 1
        return .object(map)
      }
      while true {
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a key") }
        let key = try string()
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
        index += 1
        skipSpace()
        map[key] = try value(depth: depth + 1)
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
      index += 1
      var list: [EventValue] = []
      skipSpace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
        index += 1
        return .array(list)
      }
      while true {
        skipSpace()
        list.append(try value(depth: depth + 1))
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

    mutating func number() throws(DecodingError) -> EventValue {
      let start = index
      var isInteger = true
      if bytes[index] == UInt8(ascii: "-") { index += 1 }
      while index < bytes.count {
        let byte = bytes[index]
        if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
          index += 1
        } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
          || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
        {
          isInteger = false
          index += 1
        } else {
          break
        }
      }
      let text = String(decoding: bytes[start..<index], as: UTF8.self)
      if isInteger, let number = Int(text) { return .int(number) }
      guard let number = Double(text) else {
        throw DecodingError(offset: start, reason: "bad number '\(text)'")
      }
      return .double(number)
    }

    mutating func string() throws(DecodingError) -> String {
      index += 1
      var out: [UInt8] = []
      while index < bytes.count {
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""):
          guard let text = String(validating: out, as: UTF8.self) else { throw fail("string is not UTF-8") }
          return text
        case UInt8(ascii: "\\"):
          guard index < bytes.count else { throw fail("unexpected end of text") }
          let escape = bytes[index]
          index += 1
          switch escape {
          case UInt8(ascii: "\""): out.append(34)
          case UInt8(ascii: "\\"): out.append(92)
          case UInt8(ascii: "/"): out.append(47)
          case UInt8(ascii: "b"): out.append(8)
          case UInt8(ascii: "f"): out.append(12)
          case UInt8(ascii: "n"): out.append(10)
          case UInt8(ascii: "r"): out.append(13)
          case UInt8(ascii: "t"): out.append(9)
          case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
              guard bytes.count - index >= 6, bytes[index] == 92, bytes[index + 1] == UInt8(ascii: "u") else {
                throw fail("unpaired surrogate")
              }
              index += 2
              let low = try hex4()
              guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
              scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw fail("bad \\u escape") }
            out.append(contentsOf: String(Character(unicode)).utf8)
          default:
            throw fail("bad escape")
          }
        case 0..<0x20:
          throw fail("control character in string")
        default:
          out.append(byte)
        }
      }
      throw fail("unterminated string")
    }

    mutating func hex4() throws(DecodingError) -> UInt32 {
      guard bytes.count - index >= 4 else { throw fail("bad \\u escape") }
      var value: UInt32 = 0
      for _ in 0..<4 {
        let byte = bytes[index]
        let digit: UInt32
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 48)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 87)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 55)
        default: throw fail("bad \\u escape")
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
