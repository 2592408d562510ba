/// How `starling cat` prints a received message body: byte for byte as nngcat 1.5 does.
enum OutputFormat: String, CaseIterable, Sendable {
  /// Nothing is printed (nngcat's default).
  case no
  /// The bytes as they are.
  case raw
  /// Printable ASCII as it is, every other byte as `.`; no separator between messages.
  case ascii
  /// A double-quoted C string with `\n`, `\r`, `\t`, `\"`, `\\` and `\xNN` escapes, one per line.
  case quoted
  /// A double-quoted C string of `\xNN` escapes, one per line.
  case hex
  /// A MessagePack bin 8/16/32 value holding the bytes.
  case msgpack

  /// The bytes printed for one message with this body.
  func render(_ body: some Collection<UInt8>) -> [UInt8] {
    var out: [UInt8] = []
    switch self {
    case .no:
      break
    case .raw:
      out.append(contentsOf: body)
    case .ascii:
      out.reserveCapacity(body.count)
      for byte in body { out.append(Self.isPrintable(byte) ? byte : UInt8(ascii: ".")) }
    case .quoted:
      out.append(UInt8(ascii: "\""))
      for byte in body {
        switch byte {
        case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
        default:
          if Self.isPrintable(byte) { out.append(byte) } else { Self.appendHexEscape(byte, to: &out) }
        }
      }
      out += [UInt8(ascii: "\""), UInt8(ascii: "\n")]
    case .hex:
      out.append(UInt8(ascii: "\""))
      for byte in body { Self.appendHexEscape(byte, to: &out) }
      out += [UInt8(ascii: "\""), UInt8(ascii: "\n")]
    case .msgpack:
      let length = body.count
      if length < 256 {
        out += [0xc4, UInt8(length)]
      } else if length < 65536 {
        out += [0xc5, UInt8(length >> 8), UInt8(length & 0xff)]
      } else {
        out += [
          0xc6, UInt8((length >> 24) & 0xff), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff),
          UInt8(length & 0xff),
        ]
      }
      out.append(contentsOf: body)
    }
    return out
  }

  /// C's `isprint` in the C locale: space through tilde.
  static func isPrintable(_ byte: UInt8) -> Bool {
    (0x20...0x7e).contains(byte)
  }

  private static func appendHexEscape(_ byte: UInt8, to out: inout [UInt8]) {
    let digits = Array("0123456789abcdef".utf8)
    out += [UInt8(ascii: "\\"), UInt8(ascii: "x"), digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]]
  }
}
