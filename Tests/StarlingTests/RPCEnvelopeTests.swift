import Testing

@testable import Starling

/// The RPC envelope byte by byte, and how failures are described and mapped to errors; no
/// sockets.
@Suite(.timeLimit(.minutes(5))) struct RPCEnvelopeTests {
  func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

  @Test func requestIsNameLengthNameAndPayload() throws {
    var body = ByteBuffer()
    try RPCEnvelope.writeRequestHead(method: "add", into: &body)
    try JSONRPCCodec().encode(["a": 1], into: &body)
    #expect(bytes(body) == [3] + Array("add".utf8) + Array(#"{"a":1}"#.utf8))
    let (method, payload) = try RPCEnvelope.readRequest(body)
    #expect(method == "add")
    #expect(bytes(payload) == Array(#"{"a":1}"#.utf8))
  }

  @Test func methodNamesMustBeOneTo255Bytes() throws {
    var body = ByteBuffer()
    #expect(throws: RPCError.invalidMethodName("")) {
      try RPCEnvelope.writeRequestHead(method: "", into: &body)
    }
    let long = String(repeating: "é", count: 128)  // 256 bytes of UTF-8
    #expect(throws: RPCError.invalidMethodName(long)) {
      try RPCEnvelope.writeRequestHead(method: long, into: &body)
    }
    #expect(body.readableBytes == 0)
    let longest = String(repeating: "m", count: 255)
    try RPCEnvelope.writeRequestHead(method: longest, into: &body)
    #expect(try RPCEnvelope.readRequest(body).method == longest)
  }

  @Test(
    arguments: [
      ([], "the body is empty; it must start with the method name's length"),
      ([0, 0x7b], "the method name is empty"),
      ([9, 0x61, 0x62], "the method name is 9 bytes long but only 2 bytes follow"),
      ([2, 0xff, 0xfe], "the method name is not valid UTF-8"),
    ] as [([UInt8], String)])
  func malformedRequestsSayWhatIsWrong(body: [UInt8], reason: String) {
    #expect(throws: RPCError.malformedRequest(reason)) {
      try RPCEnvelope.readRequest(ByteBuffer(bytes: body))
    }
  }

  @Test func emptyPayloadIsAllowed() throws {
    let (method, payload) = try RPCEnvelope.readRequest(ByteBuffer(bytes: [4] + Array("ping".utf8)))
    #expect(method == "ping")
    #expect(payload.readableBytes == 0)
  }

  @Test func successReplyIsStatusZeroAndPayload() throws {
    var body = ByteBuffer()
    RPCEnvelope.writeSuccessHead(into: &body)
    body.writeString("3")
    #expect(bytes(body) == [0, 0x33])
    #expect(try RPCEnvelope.readReply(body) == .success(payload: ByteBuffer(string: "3")))
  }

  @Test func failureReplyIsStatusTypeLengthTypeAndMessage() throws {
    var body = ByteBuffer()
    RPCEnvelope.writeFailure(.handlerError, type: "App.Oops", message: "no", into: &body)
    #expect(bytes(body) == [1, 0, 8] + Array("App.Oops".utf8) + Array("no".utf8))
    #expect(try RPCEnvelope.readReply(body) == .failure(.handlerError, type: "App.Oops", message: "no"))
    // Every failure status has the same layout; an empty type and message are fine.
    for status in RPCStatus.allCases where status != .ok {
      var other = ByteBuffer()
      RPCEnvelope.writeFailure(status, type: "", message: "", into: &other)
      #expect(bytes(other) == [status.rawValue, 0, 0])
      #expect(try RPCEnvelope.readReply(other) == .failure(status, type: "", message: ""))
    }
  }

  @Test func longTypeNamesAreCut() throws {
    var body = ByteBuffer()
    RPCEnvelope.writeFailure(
      .handlerError, type: String(repeating: "t", count: 70_000), message: "m", into: &body)
    guard case .failure(_, let type, let message) = try RPCEnvelope.readReply(body) else {
      Issue.record("not a failure")
      return
    }
    #expect(type.utf8.count == 65_535)
    #expect(message == "m")
  }

  @Test(
    arguments: [
      ([], "the body is empty; it must start with a status byte"),
      ([7, 1, 2], "unknown status 7"),
      ([2, 0], "a failure (status 2) without the length of the error's type name"),
      ([1, 0, 5, 0x61], "the error's type name is 5 bytes long but only 1 bytes follow"),
    ] as [([UInt8], String)])
  func malformedRepliesSayWhatIsWrong(body: [UInt8], reason: String) {
    #expect(throws: RPCError.malformedReply(reason)) { try RPCEnvelope.readReply(ByteBuffer(bytes: body)) }
  }

  @Test func failureStatusesBecomeErrors() {
    #expect(
      RPCCall.error(.handlerError, type: "T", message: "m", method: "f") == .remote(type: "T", message: "m")
    )
    #expect(RPCCall.error(.unknownMethod, type: "T", message: "m", method: "f") == .unknownMethod("f"))
    #expect(
      RPCCall.error(.badArguments, type: "T", message: "m", method: "f")
        == .badArguments(method: "f", reason: "m"))
    #expect(
      RPCCall.error(.malformedRequest, type: "T", message: "m", method: "f") == .malformedRequest("m"))
  }

  struct Point: Codable { var x: Int }
  struct Shape: Codable { var points: [Point] }

  @Test func decodingFailuresNameThePath() throws {
    let codec = JSONRPCCodec()
    do {
      _ = try codec.decode(Shape.self, from: ByteBuffer(string: #"{"points":[{"x":1},{"x":"two"}]}"#))
      Issue.record("decoded a string as an Int")
    } catch {
      let failure = RPCFailure(.badArguments, error: error)
      #expect(failure.type == "Swift.DecodingError")
      #expect(failure.message.hasPrefix("expected Int at points.1.x"))
    }
    do {
      _ = try codec.decode(Shape.self, from: ByteBuffer(string: "{}"))
      Issue.record("decoded without the key")
    } catch {
      #expect(RPCFailure.describe(error) == "missing key 'points' at the top level")
    }
  }

  @Test func handlerErrorsCarryTheirTypeAndDescription() {
    struct Overdrawn: Error, CustomStringConvertible {
      var description: String { "balance too low" }
    }
    let failure = RPCFailure(.handlerError, error: Overdrawn())
    #expect(failure.type.hasSuffix("Overdrawn"))
    #expect(failure.message == "balance too low")
    #expect(Array(failure.replyBody.readableBytesView.prefix(1)) == [1])
  }
}
