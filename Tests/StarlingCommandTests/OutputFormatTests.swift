import Testing

@testable import StarlingCommandLine

/// The bytes each `--format` prints, checked against what Debian's nngcat 1.5.2 printed for the
/// same message (captured with `od -c`).
@Suite(.timeLimit(.minutes(5)))
struct OutputFormatTests {
  /// `a"b\c`, newline, tab, carriage return, 0x01, 0xff, space, `z`.
  let body: [UInt8] = [0x61, 0x22, 0x62, 0x5c, 0x63, 0x0a, 0x09, 0x0d, 0x01, 0xff, 0x20, 0x7a]

  @Test func rawIsTheBytes() {
    #expect(OutputFormat.raw.render(body) == body)
  }

  @Test func noPrintsNothing() {
    #expect(OutputFormat.no.render(body).isEmpty)
  }

  @Test func asciiReplacesTheUnprintableWithDotsAndAddsNoNewline() {
    #expect(String(decoding: OutputFormat.ascii.render(body), as: UTF8.self) == "a\"b\\c..... z")
  }

  @Test func quotedEscapesLikeC() {
    #expect(
      String(decoding: OutputFormat.quoted.render(body), as: UTF8.self) == #""a\"b\\c\n\t\r\x01\xff z""#
        + "\n")
  }

  @Test func hexEscapesEveryByte() {
    #expect(
      String(decoding: OutputFormat.hex.render(body), as: UTF8.self)
        == #""\x61\x22\x62\x5c\x63\x0a\x09\x0d\x01\xff\x20\x7a""# + "\n")
  }

  @Test func msgpackUsesBin8Bin16AndBin32() {
    #expect(OutputFormat.msgpack.render(body) == [0xc4, 12] + body)
    let medium = [UInt8](repeating: 7, count: 300)
    #expect(OutputFormat.msgpack.render(medium) == [0xc5, 0x01, 0x2c] + medium)
    let large = [UInt8](repeating: 7, count: 70_000)
    #expect(OutputFormat.msgpack.render(large) == [0xc6, 0x00, 0x01, 0x11, 0x70] + large)
    #expect(OutputFormat.msgpack.render([UInt8]()) == [0xc4, 0])
  }

  @Test func emptyMessages() {
    #expect(OutputFormat.quoted.render([UInt8]()) == Array("\"\"\n".utf8))
    #expect(OutputFormat.hex.render([UInt8]()) == Array("\"\"\n".utf8))
    #expect(OutputFormat.ascii.render([UInt8]()).isEmpty)
  }
}
