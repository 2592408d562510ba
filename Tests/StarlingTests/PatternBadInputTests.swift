import Testing

@testable import Starling

/// Misbehaving peers of the survey, pub/sub, bus and pair1 sockets: each is cut off (or its
/// message dropped) with the reason recorded, and the socket goes on serving a well-behaved nng
/// peer.
@Suite(.timeLimit(.minutes(5))) struct PatternBadInputTests {
  func smallLimits() -> SocketOptions {
    var options = SocketOptions()
    options.receiveMaxSize = 1024
    return options
  }

  @Test func surveyResponsesShorterThanAnIDOrStaleAreHandled() async throws {
    let surveyor = Surveyor0()
    defer { surveyor.close() }
    let address = try await surveyor.listen("tcp://127.0.0.1:0").address
    let raw = try await RawPeer(connectingTo: address)
    try await raw.handshake(as: .respondent0)
    try await eventually("the raw respondent is attached") { surveyor.statistics.pipesOpen == 1 }
    let context = surveyor.makeContext()
    try await context.send("are you there?")
    // An answer to a survey nobody asked is dropped; the pipe stays.
    try await raw.frame([0x80, 0, 0x12, 0x34] + Array("who asked?".utf8))
    try await eventually("the stale answer is counted") { surveyor.statistics.drops[.stale] == 1 }
    #expect(surveyor.statistics.pipesOpen == 1)
    // An answer too short to hold a survey ID closes the pipe.
    try await raw.frame([1, 2])
    try await raw.closedByPeer()
    #expect(lastError(surveyor).contains("shorter than a survey ID"))

    let good = try NngPeer("Respondent0", "dial", address.url, count: 1)
    _ = try await good.line("READY")
    try await eventually("the nng respondent is attached") { surveyor.statistics.pipesOpen == 1 }
    var answers: [String] = []
    for try await answer in try await surveyor.survey("still there?") {
      answers.append(answer.string)
      break
    }
    #expect(answers == ["re:still there?"])
    good.finish()
  }

  @Test func respondentDropsEndlessBacktracesAndAnswersTheNextSurvey() async throws {
    let respondent = Respondent0(options: smallLimits())
    defer { respondent.close() }
    let address = try await respondent.listen("tcp://127.0.0.1:0").address
    let raw = try await RawPeer(connectingTo: address)
    try await raw.handshake(as: .surveyor0)
    let hop: [UInt8] = [0, 0, 0, 3]
    try await raw.frame(Array(repeating: hop, count: 12).flatMap { $0 })
    try await raw.frame([0x80, 0, 0, 9] + Array("ok?".utf8))
    let survey = try await respondent.nextSurvey()
    #expect(survey.message.string == "ok?")
    #expect(respondent.statistics.drops[.ttlExceeded] == 1)
    try await survey.reply("ok")
    let answer = try await raw.bytes(atLeast: 8 + 8 + 4 + 2)
    #expect(Array(answer.suffix(6)) == [0x80, 0, 0, 9] + Array("ok".utf8))
    // A survey without any survey ID closes the pipe.
    try await raw.frame([0, 0, 0, 1])
    try await raw.closedByPeer()
    #expect(lastError(respondent).contains("backtrace ends without a request ID"))
  }

  @Test func subClosesAPublisherThatSendsTooMuchAndKeepsTheOthers() async throws {
    let sub = Sub0(options: smallLimits())
    defer { sub.close() }
    try sub.subscribe("")
    let address = try await sub.listen("tcp://127.0.0.1:0").address
    let raw = try await RawPeer(connectingTo: address)
    try await raw.handshake(as: .pub0)
    try await raw.frame(Array(repeating: 1, count: 4096))
    try await raw.closedByPeer()
    #expect(sub.statistics.lastPipeError == .messageTooLarge(size: 4096, limit: 1024))

    let good = try NngPeer("Pub0", "dial", address.url, count: 2)
    var received: [String] = []
    for _ in 0..<4 { received.append(try await sub.receive().string) }
    #expect(received == ["a:0", "b:1", "a:2", "b:3"])
    good.finish()
  }

  @Test func busKeepsRelayingWhenAPeerDiesMidMessage() async throws {
    let bus = Bus0(options: smallLimits())
    defer { bus.close() }
    let address = try await bus.listen("tcp://127.0.0.1:0").address
    let raw = try await RawPeer(connectingTo: address)
    try await raw.handshake(as: .bus0)
    try await raw.write([0, 0, 0, 0, 0, 0, 0, 50] + Array("half".utf8))
    try await eventually("the raw peer is attached") { bus.statistics.pipesOpen == 1 }
    raw.close()
    try await eventually("the cut message is recorded") { bus.statistics.lastPipeError != nil }
    #expect(lastError(bus).contains("ended in the middle of a 50-byte message"))

    let good = try NngPeer("Bus0", "dial", address.url, count: 1)
    _ = try await good.line("READY")
    try await eventually("the nng bus peer is attached") { bus.statistics.pipesOpen == 1 }
    try await bus.send("hello")
    #expect(try await bus.receive().string == "re:hello")
    good.finish()
  }

  @Test func pair1DropsTooManyHopsAndClosesOnAMissingHopCount() async throws {
    let pair = Pair1(options: smallLimits())
    defer { pair.close() }
    let address = try await pair.listen("tcp://127.0.0.1:0").address
    let raw = try await RawPeer(connectingTo: address)
    try await raw.handshake(as: .pair1)
    try await raw.frame([0, 0, 0, 9] + Array("far".utf8))  // 9 hops: over the TTL of 8
    try await raw.frame([0, 0, 0, 1] + Array("near".utf8))
    #expect(try await pair.receive().string == "near")
    #expect(pair.statistics.drops[.ttlExceeded] == 1)
    try await raw.frame([7])
    try await raw.closedByPeer()
    #expect(lastError(pair).contains("has no hop count"))
  }
}
