import Testing

@testable import StarlingPipeline

/// The JSON reader against RFC 8259, one rule per test: each class of input JSONTestSuite
/// (scripts/json-conformance.sh) found misread, and the edges the fuzzer (`json` target)
/// works on, written out here as our own inputs.
@Suite struct JSONReaderTests {
  static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

  /// Decodes, or records the error and returns nil.
  static func read(_ bytes: [UInt8]) -> EventValue? {
    do {
      return try JSON.decode(bytes)
    } catch {
      Issue.record("\(error)")
      return nil
    }
  }

  /// The error for text that must be refused (and a recorded issue if it was accepted).
  static func refusal(_ bytes: [UInt8]) -> JSON.DecodingError? {
    do {
      let value = try JSON.decode(bytes)
      Issue.record("accepted \(String(decoding: bytes, as: UTF8.self).debugDescription) as \(value)")
      return nil
    } catch {
      return error
    }
  }

  @Test(arguments: [
    ("0", EventValue.int(0)),
    ("-0", .int(0)),
    ("[-0]", .array([.int(0)])),
    ("0e1", .double(0)),
    ("0.5", .double(0.5)),
    ("-0.25E-2", .double(-0.0025)),
    ("1E+2", .double(100)),
    ("20e1", .double(200)),
    ("9223372036854775807", .int(.max)),
    ("-9223372036854775808", .int(.min)),
    ("9223372036854775808", .double(9_223_372_036_854_775_808)),
    ("-9223372036854775809", .double(-9_223_372_036_854_775_809)),
    ("123456789012345678901234567890", .double(1.2345678901234568e29)),
    ("1e-999", .double(0)),
    ("1.7976931348623157e308", .double(.greatestFiniteMagnitude)),
  ])
  func numbersFollowTheGrammar(_ text: String, _ expected: EventValue) {
    #expect(Self.read(Self.bytes(text)) == expected, "\(text)")
  }

  @Test func negativeZeroAsARealKeepsItsSign() throws {
    let value = try #require(Self.read(Self.bytes("-0.0"))?.doubleValue)
    #expect(value == 0 && value.sign == .minus)
  }

  @Test(arguments: [
    ("01", "cannot start with 0"), ("-01", "cannot start with 0"), ("[00]", "cannot start with 0"),
    ("-012.5", "cannot start with 0"), ("1.", "digit after '.'"), ("1.e3", "digit after '.'"),
    ("[1.]", "digit after '.'"), (".5", "unexpected character '.'"), ("1e", "digit in the exponent"),
    ("1e+", "digit in the exponent"), ("1E-x", "digit in the exponent"), ("+1", "unexpected character '+'"),
    ("-", "expected a digit"), ("--1", "expected a digit"), ("- 1", "expected a digit"),
    ("1.5.2", "after the value"), ("0x10", "after the value"), ("Infinity", "unexpected character 'I'"),
    ("NaN", "unexpected character 'N'"), ("-NaN", "expected a digit"), ("[-Infinity]", "expected a digit"),
  ])
  func malformedNumbersAreRefused(_ text: String, _ reason: String) throws {
    let error = try #require(Self.refusal(Self.bytes(text)))
    #expect(error.reason.contains(reason), "\(text): \(error)")
  }

  @Test(arguments: [
    "1e999", "-1e999", "[1E400]", "{\"a\": 2e308}", "1" + String(repeating: "0", count: 400) + ".0",
  ])
  func numbersTooLargeForADoubleAreRefusedNotInfinite(_ text: String) throws {
    let error = try #require(Self.refusal(Self.bytes(text)))
    #expect(error.reason.contains("out of range"), "\(error)")
  }

  @Test func errorsNameTheByte() throws {
    #expect(try #require(Self.refusal(Self.bytes("[1, 01]"))).offset == 5)
    #expect(try #require(Self.refusal(Self.bytes("[1,]"))).offset == 3)
    #expect(try #require(Self.refusal(Self.bytes("{\"a\":1,}"))).offset == 7)
    #expect(
      "\(try #require(Self.refusal(Self.bytes("[1 2]"))))" == "invalid JSON at byte 3: expected ',' or ']'")
  }

  @Test(arguments: [
    ("\"\\u0000\"", "\u{0}"), ("\"\\ud834\\udd1e\"", "𝄞"), ("\"\\uD83D\\uDE00\"", "😀"),
    ("\"\\uffff\"", "\u{FFFF}"),
    ("\"\\u00e9\\u20AC\"", "é€"), ("\"é😀\"", "é😀"), ("\"\u{7F}\"", "\u{7F}"),
    ("\"\\/\\b\\f\"", "/\u{8}\u{C}"),
    ("\"a\\\"b\\\\c\"", "a\"b\\c"),
  ])
  func stringsDecodeEscapesAndUTF8(_ text: String, _ expected: String) {
    #expect(Self.read(Self.bytes(text)) == .string(expected), "\(text)")
  }

  @Test(arguments: [
    ("\"\\ud800\"", "high surrogate escape without its low"),
    ("\"\\ud800x\"", "high surrogate escape without its low"),
    ("\"\\uD800\\u0041\"", "high surrogate escape without its low"),
    ("\"\\ud800\\ud800\"", "high surrogate escape without its low"),
    ("\"\\udc00\"", "low surrogate escape without its high"),
    ("\"\\uDFFF\\uD800\"", "low surrogate escape without its high"),
  ])
  func loneSurrogateEscapesAreRefused(_ text: String, _ reason: String) throws {
    let error = try #require(Self.refusal(Self.bytes(text)))
    #expect(error.reason.contains(reason), "\(text): \(error)")
    #expect(error.offset == 1)
  }

  @Test(arguments: ["\"a\u{0}b\"", "\"\t\"", "\"line\nbreak\"", "\"\u{1F}\"", "\"\\n\r\"", "[\"\u{8}\"]"])
  func controlCharactersInStringsAreRefused(_ text: String) throws {
    let error = try #require(Self.refusal(Self.bytes(text)))
    #expect(error.reason.contains("control character"), "\(error)")
  }

  @Test(arguments: ["\"\\x41\"", "\"\\U0041\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\'\"", "\"\\", "\"\\u"])
  func badEscapesAreRefused(_ text: String) {
    #expect(Self.refusal(Self.bytes(text)) != nil)
  }

  @Test(
    arguments: [
      ([0x22, 0x5C, 0x78, 0x22], "unknown escape: \\ then character 'x'"),
      ([0x22, 0x5C, 0xFF, 0x22], "unknown escape: \\ then byte 0xFF"),
      ([0x22, 0x5C, 0x01, 0x22], "unknown escape: \\ then byte 0x1"),
    ] as [([UInt8], String)])
  func anUnknownEscapeNamesItsByte(_ bytes: [UInt8], _ reason: String) throws {
    let error = try #require(Self.refusal(bytes))
    #expect(error.reason == reason)
    #expect(error.offset == 1)
  }

  @Test(
    arguments: [
      [0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22],
      [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0x80, 0x22], [0x22, 0x5C, 0x6E, 0xFE, 0x22],
    ] as [[UInt8]])
  func invalidUTF8InStringsIsRefused(_ bytes: [UInt8]) throws {
    let error = try #require(Self.refusal(bytes))
    #expect(error.reason.contains("not valid UTF-8"), "\(error)")
  }

  @Test(
    arguments: [[0xFF], [0x5B, 0xC3, 0xA9, 0x5D], [0x31, 0x80], [0x7B, 0xE2, 0x80, 0xA8, 0x7D]] as [[UInt8]])
  func bytesOutsideStringsAreRefused(_ bytes: [UInt8]) {
    #expect(Self.refusal(bytes) != nil)
  }

  @Test func aByteOrderMarkIsRefused() throws {
    let error = try #require(Self.refusal([0xEF, 0xBB, 0xBF] + Self.bytes("{}")))
    #expect(error.reason.contains("byte order mark") && error.offset == 0)
    #expect(Self.refusal([0xEF, 0xBB, 0xBF]) != nil)
  }

  @Test(arguments: [
    "[1,]", "{\"a\":1,}", "[,]", "[,1]", "[1,,2]", "{,}", "{\"a\":1,,\"b\":2}", "[1,]  ", "{\"a\":[],}",
  ])
  func trailingAndDoubleCommasAreRefused(_ text: String) {
    #expect(Self.refusal(Self.bytes(text)) != nil)
  }

  @Test(arguments: [
    "", " ", "tru", "nul", "True", "nulls", "{\"a\" 1}", "{1:2}", "{\"a\"}", "[1 2]", "1 2", "{'a':1}",
    "['a']",
    "/* c */ 1", "1 // c", "[1]x", "{\"a\":1}}", "[", "]", "\u{C}1", "[\"a\"", "{\"a\":", "\"abc",
  ])
  func malformedStructureIsRefused(_ text: String) {
    #expect(Self.refusal(Self.bytes(text)) != nil)
  }

  @Test func nestingStopsAtTheLimit() throws {
    let deepest =
      String(repeating: "[", count: JSON.maximumDepth) + String(repeating: "]", count: JSON.maximumDepth)
    #expect(Self.read(Self.bytes(deepest)) != nil)
    let objects =
      String(repeating: "{\"a\":", count: JSON.maximumDepth) + "1"
      + String(repeating: "}", count: JSON.maximumDepth)
    #expect(Self.read(Self.bytes(objects)) != nil)
    for tooDeep in ["[" + deepest + "]", "{\"a\":" + objects + "}", String(repeating: "[", count: 100_000)] {
      let error = try #require(Self.refusal(Self.bytes(tooDeep)))
      #expect(error.reason.contains("nested more than 512 deep"), "\(error)")
    }
  }

  @Test func whitespaceIsOnlyTheFourKinds() {
    #expect(Self.read(Self.bytes(" \t\r\n[ 1 ,\n2 ]\r\n ")) == [1, 2])
    #expect(Self.refusal(Self.bytes("\u{A0}1")) != nil)
    #expect(Self.refusal(Self.bytes("[1,\u{B}2]")) != nil)
  }

  @Test func aKeyGivenTwiceKeepsItsLastValue() {
    #expect(Self.read(Self.bytes("{\"a\":1,\"a\":2}")) == ["a": 2])
  }

  @Test func whatTheWriterPrintsReadsBack() throws {
    let value: EventValue = [
      "n": [0, -1, .int(.max), .int(.min), 0.5, -1e300, 5e-324], "s": ["", "\u{0}\u{1F}\"\\/é😀", "\u{FFFF}"],
      "deep": [[[["x": [nil, true, false]]]]], "": [:],
    ]
    for pretty in [false, true] {
      #expect(Self.read(JSON.encode(value, pretty: pretty)) == value)
    }
  }
}
