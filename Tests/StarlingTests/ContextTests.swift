import Foundation
import Testing

import struct StarlingChannels.Lock

@testable import Starling

/// Contexts: many requests or surveys in flight over one socket, each with its own timeouts,
/// answered in any order.
@Suite(.timeLimit(.minutes(5))) struct ContextTests {
  @Test func reqContextsGetTheirOwnRepliesWhenRepliesComeOutOfOrder() async throws {
    let rep = Rep0()
    let req = Req0()
    defer {
      req.close()
      rep.close()
    }
    try await join(rep, req)
    let server = Task { try await answerInReverse(count: 8, rep.makeContext) }
    let replies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
      for i in 0..<8 {
        let context = req.makeContext()
        group.addTask {
          try await context.send(Message(string: "q\(i)"))
          return (i, try await context.receive().string)
        }
      }
      return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
    }
    try await server.value
    #expect(replies == Dictionary(uniqueKeysWithValues: (0..<8).map { ($0, "re:q\($0)") }))
  }

  @Test func eachReqContextHasItsOwnReceiveTimeout() async throws {
    let rep = Rep0()
    let req = Req0()
    defer {
      req.close()
      rep.close()
    }
    try await join(rep, req)
    let impatient = req.makeContext()
    impatient.receiveTimeout = .milliseconds(50)
    let patient = req.makeContext()
    #expect(patient.receiveTimeout == nil, "a context starts with the socket's timeout")
    try await patient.send("patient")
    try await impatient.send("impatient")
    let first = try await rep.nextRequest()
    let second = try await rep.nextRequest()
    await #expect(throws: SPError.timedOut) { try await impatient.receive() }
    // The patient one still gets its answer after the impatient one gave up.
    for request in [first, second] where request.message.string == "patient" {
      try await request.reply("late but fine")
    }
    #expect(try await patient.receive().string == "late but fine")
    #expect(req.options.receiveTimeout == nil, "the socket's own option is untouched")
  }

  @Test func aNewSendCancelsOnlyItsOwnContextsRequest() async throws {
    let rep = Rep0()
    let req = Req0()
    defer {
      req.close()
      rep.close()
    }
    try await join(rep, req)
    let a = req.makeContext()
    let b = req.makeContext()
    try await a.send("a1")
    try await b.send("b1")
    let waiting = Task { try await a.receive() }
    try await eventually("a waits for its reply") {
      req.core.state.withLock { $0.replies.values.contains { $0.waiter != nil } }
    }
    try await a.send("a2")
    await #expect(throws: SPError.self) { try await waiting.value }
    var requests: [String: Request] = [:]
    for _ in 0..<3 {
      let request = try await rep.nextRequest()
      requests[request.message.string] = request
    }
    try await requests["a1"]!.reply("stale")
    try await requests["b1"]!.reply("re:b1")
    try await requests["a2"]!.reply("re:a2")
    #expect(try await b.receive().string == "re:b1")
    #expect(try await a.receive().string == "re:a2")
    try await eventually("the stale reply is dropped and counted") { req.statistics.drops[.stale] == 1 }
  }

  @Test func receiveOnAContextBeforeSendIsBadState() async throws {
    let req = Req0()
    let rep = Rep0()
    let surveyor = Surveyor0()
    defer {
      req.close()
      rep.close()
      surveyor.close()
    }
    await #expect(throws: SPError.badState("receive on a req socket needs a request sent first")) {
      try await req.makeContext().receive()
    }
    await #expect(throws: SPError.badState("send on a rep socket needs a request received first")) {
      try await rep.makeContext().send("no request")
    }
    await #expect(throws: SPError.badState("receive on a surveyor needs a survey sent first")) {
      try await surveyor.makeContext().receive()
    }
  }

  @Test func eachReqContextResendsOnItsOwnTime() async throws {
    let rep = Rep0()
    let req = Req0()
    defer {
      req.close()
      rep.close()
    }
    try await join(rep, req)
    let context = req.makeContext()
    context.resendTime = .milliseconds(20)
    try await context.send("again")
    let ignored = try await rep.receive()
    let resent = try await rep.receive()
    #expect(resent.string == ignored.string)
    #expect(resent.header == ignored.header, "the same request ID")
    try await rep.send("answered")
    #expect(try await context.receive().string == "answered")
    #expect(req.options.resendTime == .seconds(60))
  }

  /// The deadlines run on a manual clock: a loaded machine that stalls the test cannot make a
  /// survey end early (a 2 s deadline on the real clock once passed before the test waited).
  @Test func surveyorContextsRunSurveysAtOnceEachWithItsOwnDeadline() async throws {
    let clock = ManualClock()
    let respondent = Respondent0()
    var options = SocketOptions()
    options.clock = AnyClock(clock)
    let surveyor = Surveyor0(options: options)
    defer {
      surveyor.close()
      respondent.close()
    }
    try await join(respondent, surveyor)
    let short = surveyor.makeContext()
    short.surveyTime = .seconds(2)
    let long = surveyor.makeContext()
    long.surveyTime = .seconds(30)
    try await long.send("long")
    try await short.send("short")
    // The respondent's contexts take both surveys, then answer the later one first.
    let first = respondent.makeContext()
    let second = respondent.makeContext()
    let one = try await first.receive().string
    let two = try await second.receive().string
    #expect(Set([one, two]) == ["long", "short"])
    try await second.send(Message(string: "re:" + two))
    try await first.send(Message(string: "re:" + one))
    #expect(try await long.receive().string == "re:long")
    #expect(try await short.receive().string == "re:short")
    // The short survey ends at its deadline; the long one is still open.
    let waiting = Task { try await short.receive() }
    await clock.waitForSleepers()  // the wait for another answer, which ends at the deadline
    clock.advance(by: .seconds(2))
    await #expect(throws: SPError.timedOut) { try await waiting.value }
    await #expect(throws: SPError.badState("the survey's deadline has passed")) { try await short.receive() }
    long.receiveTimeout = .milliseconds(20)
    let longWait = Task { try await long.receive() }
    await clock.waitForSleepers()
    clock.advance(by: .milliseconds(20))
    await #expect(throws: SPError.timedOut) { try await longWait.value }
  }

  @Test func surveyResponsesOfAContextCollectEveryAnswerAndEndAtTheDeadline() async throws {
    let surveyor = Surveyor0()
    let respondents = (0..<3).map { _ in Respondent0() }
    defer {
      surveyor.close()
      for respondent in respondents { respondent.close() }
    }
    let url = inprocName()
    try await surveyor.listen(url)
    for respondent in respondents { try await respondent.dial(url) }
    let answering = respondents.enumerated().map { index, respondent in
      Task {
        let context = respondent.makeContext()
        let survey = try await context.receive()
        try await context.send(Message(string: "\(index):" + survey.string))
      }
    }
    let context = surveyor.makeContext()
    context.surveyTime = .seconds(60)
    var answers: [String] = []
    for try await answer in try await context.survey("roll call") {
      answers.append(answer.string)
      if answers.count == 3 { break }
    }
    for task in answering { try await task.value }
    #expect(answers.sorted() == ["0:roll call", "1:roll call", "2:roll call"])
    // Nobody answers the next survey: its responses end at its deadline, empty.
    context.surveyTime = .milliseconds(50)
    for try await answer in try await context.survey("anyone?") {
      Issue.record("an answer nobody sent: \(answer.string)")
    }
  }

  @Test func closingTheSocketFailsWaitingContexts() async throws {
    let req = Req0()
    let surveyor = Surveyor0()
    let rep = Rep0()
    let reqContext = req.makeContext()
    let surveyContext = surveyor.makeContext()
    surveyContext.surveyTime = .seconds(60)
    let repContext = rep.makeContext()
    try await surveyContext.send("nobody answers")
    let waits = [
      Task { _ = try await reqContext.request("nobody takes it") },
      Task { _ = try await surveyContext.receive() },
      Task { _ = try await repContext.receive() },
    ]
    try await eventually("all three wait") {
      req.core.state.withLock { $0.senders.count } == 1
        && surveyor.core.state.withLock { $0.replies.values.contains { $0.waiter != nil } }
        && rep.core.state.withLock { $0.receivers.count } == 1
    }
    req.close()
    surveyor.close()
    rep.close()
    for wait in waits { await #expect(throws: SPError.closed) { try await wait.value } }
  }
}

/// Opens `count` contexts of a rep or respondent, lets each take one request, then answers them
/// all in the reverse order of arrival with "re:" and the request, so answers go out of order.
func answerInReverse(count: Int, _ makeContext: () -> ReplyContext) async throws {
  let contexts = (0..<count).map { _ in
    let context = makeContext()
    context.receiveTimeout = .seconds(60)
    return context
  }
  let received = try await withThrowingTaskGroup(of: (ReplyContext, String).self) { group in
    for context in contexts { group.addTask { (context, try await context.receive().string) } }
    return try await group.reduce(into: []) { $0.append($1) }
  }
  for (context, request) in received.reversed() {
    try await context.send(Message(string: "re:" + request))
  }
}
