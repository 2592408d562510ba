import Logging
import Synchronization
import Testing

@testable import Starling

/// The sockets' timers on a `ManualClock`: each test is about seconds or minutes of the socket's
/// time and takes milliseconds of real time, and a timer fires when the test moves the clock
/// past it, never before.
@Suite(.timeLimit(.minutes(5))) struct ControlledTimeTests {
  /// Options whose timers run on `clock`.
  func options(_ clock: ManualClock, _ change: (inout SocketOptions) -> Void = { _ in }) -> SocketOptions {
    var options = SocketOptions()
    options.clock = AnyClock(clock)
    change(&options)
    return options
  }

  func at(_ duration: Duration) -> ManualClock.Instant {
    ManualClock.Instant(offset: duration)
  }

  // MARK: Request resend

  @Test func reqResendsAfterItsResendTimeAndNotBefore() async throws {
    let clock = ManualClock()
    let req = Req0(options: options(clock) { $0.resendTime = .seconds(60) })
    defer { req.close() }
    let rep = Rep0()
    defer { rep.close() }
    let bound = try await rep.listen("tcp://127.0.0.1:0").address
    try await req.dial(bound.url)

    async let reply = req.request("job", timeout: nil)
    let dropped = try await rep.nextRequest()  // the rep does not answer this copy (yet)
    await clock.waitForSleepers()  // the resend timer, the one sleeper on the clock
    #expect(clock.advance(by: .seconds(59)) == 1, "the timer checks")
    await clock.waitForSleepers()  // it has checked and sleeps again
    #expect(req.statistics.messagesOut == 1, "not resent before 60 s")

    clock.advance(by: .seconds(1))
    let resent = try await rep.nextRequest()
    #expect(resent.message.header == dropped.message.header, "the same request ID")
    #expect(resent.message.string == "job")
    #expect(req.statistics.messagesOut == 2)
    try await resent.reply("done")
    #expect(try await reply.string == "done")

    // The first copy's answer comes too late: the request was answered once.
    try await dropped.reply("done twice")
    try await eventually("the late answer is dropped") { req.statistics.drops[.stale] == 1 }
  }

  @Test func reqRepSurvivesTheReplierCrashAndRestart() async throws {
    let clock = ManualClock()
    let req = Req0(options: options(clock) { $0.reconnectMinimum = .seconds(1) })
    defer { req.close() }
    let path = uniqueIPCPath()
    let crashing = Rep0()
    try await crashing.listen(path)
    try await req.dial(path)

    async let reply = req.request("important", timeout: nil)
    let first = try await crashing.nextRequest()
    crashing.close()  // crashes without answering
    try await eventually("the req loses its pipe") { req.statistics.pipesOpen == 0 }
    await clock.waitForSleepers(2)  // the dialer's reconnect wait and the resend timer

    let restarted = Rep0()
    defer { restarted.close() }
    try await restarted.listen(path)
    #expect(clock.advance(by: .seconds(1)) == 2, "the dialer waited at most its 1 s minimum")
    let again = try await restarted.nextRequest()  // the lost request goes out at once
    #expect(again.message.header == first.message.header, "the same request ID")
    try await again.reply("done")
    #expect(try await reply.string == "done")
    #expect(restarted.statistics.messagesIn == 1, "answered once: no resend timer fired")
    #expect(req.statistics.reconnects == 1)
  }

  // MARK: Survey deadline

  @Test func aSurveyEndsAtItsDeadlineAndALateAnswerIsDropped() async throws {
    let clock = ManualClock()
    let surveyor = Surveyor0(options: options(clock) { $0.surveyTime = .seconds(10) })
    defer { surveyor.close() }
    let prompt = Respondent0()
    defer { prompt.close() }
    let late = Respondent0()
    defer { late.close() }
    let bound = try await surveyor.listen("tcp://127.0.0.1:0").address
    try await prompt.dial(bound.url)
    try await late.dial(bound.url)
    try await eventually("both respondents are attached") { surveyor.statistics.pipesOpen == 2 }

    let answers = try await surveyor.survey("who is there?")
    try await prompt.nextSurvey().reply("prompt")
    let question = try await late.nextSurvey()  // answered only after the deadline
    var iterator = answers.makeAsyncIterator()
    #expect(try await iterator.next()?.string == "prompt")
    // The iterator now waits for the next answer, until the deadline; the clock moves meanwhile.
    let advancing = Task {
      await clock.waitForSleepers()  // the wait for the next answer, which ends at the deadline
      #expect(clock.nextDeadline == at(.seconds(10)))
      return [clock.advance(by: .seconds(9)), clock.advance(by: .seconds(1))]
    }
    #expect(try await iterator.next() == nil, "the survey ended at its deadline")
    #expect(await advancing.value == [0, 1], "it ended when the clock reached the deadline")

    try await question.reply("late")
    // The late respondent's answer to a second survey follows the stale one on the same
    // connection: once it is here, the stale one has been dropped.
    let second = try await surveyor.survey("still there?")
    try await late.nextSurvey().reply("late again")
    var secondAnswers = second.makeAsyncIterator()
    #expect(try await secondAnswers.next()?.string == "late again")
    #expect(surveyor.statistics.drops[.stale] == 1)
  }

  // MARK: Send and receive timeouts

  @Test func aReceiveTimesOutWhenTheClockReachesItsTimeout() async throws {
    let clock = ManualClock()
    let pull = Pull0(options: options(clock) { $0.receiveTimeout = .seconds(5) })
    defer { pull.close() }
    let receiving = Task { try await pull.receive() }
    await clock.waitForSleepers()
    #expect(clock.advance(by: .seconds(4)) == 0)
    #expect(clock.advance(by: .seconds(1)) == 1)
    await #expect(throws: SPError.timedOut) { try await receiving.value }
  }

  @Test func aSendWithNoPeerTimesOutWhenTheClockReachesItsTimeout() async throws {
    let clock = ManualClock()
    let push = Push0(options: options(clock) { $0.sendTimeout = .seconds(5) })
    defer { push.close() }
    let sending = Task { try await push.send("nobody takes this") }
    await clock.waitForSleepers()
    #expect(clock.advance(by: .seconds(4)) == 0)
    #expect(clock.advance(by: .seconds(1)) == 1)
    await #expect(throws: SPError.timedOut) { try await sending.value }
    #expect(push.core.state.withLock { $0.senders.isEmpty })
  }

  @Test func aRequestTimesOutOnTheClockAndAReplyBeforeItStopsTheTimer() async throws {
    let clock = ManualClock()
    let req = Req0(options: options(clock) { $0.resendTime = .seconds(10 * 60) })
    defer { req.close() }
    let rep = Rep0()
    defer { rep.close() }
    try await join(rep, req)

    let unanswered = Task { try await req.request("ignored", timeout: .seconds(2 * 60)) }
    _ = try await rep.nextRequest()
    await clock.waitForSleepers(2)  // the request's timeout and the resend timer
    #expect(clock.nextDeadline == at(.seconds(1)), "the resend timer's tick comes first")
    clock.advance(by: .seconds(119))
    await clock.waitForSleepers(2)
    #expect(clock.advance(by: .seconds(1)) == 2, "the timeout and the resend timer")
    await #expect(throws: SPError.timedOut) { try await unanswered.value }
    await clock.waitForSleepers()  // the resend timer, back asleep

    async let answered = req.request("answered", timeout: .seconds(2 * 60))
    try await rep.nextRequest().reply("yes")
    #expect(try await answered.string == "yes")
    #expect(clock.sleeperCount == 1, "the resend timer alone: the request's timer was cancelled")
  }

  @Test func anRPCPeerCallTimesOutOnItsSocketsClock() async throws {
    let clock = ManualClock()
    let calling = Pair1(options: options(clock))
    let answering = Pair1()
    try await join(answering, calling)
    let caller = RPCPeer(socket: calling)
    let slow = RPCPeer(socket: answering)
    let release = AsyncStream<Void>.makeStream()
    try slow.register("slow") { (_: Int) in
      for await _ in release.stream {}
      return 0
    }
    let runs = [Task { try await caller.run() }, Task { try await slow.run() }]

    let call = Task { try await caller.call("slow", 1, returning: Int.self, timeout: .seconds(60)) }
    await clock.waitForSleepers()  // the call's timer
    #expect(clock.advance(by: .seconds(59)) == 0)
    #expect(clock.advance(by: .seconds(1)) == 1)
    await #expect(throws: SPError.timedOut) { try await call.value }

    release.continuation.finish()
    calling.close()
    answering.close()
    for run in runs { _ = await run.result }
  }

  // MARK: Reconnect back-off

  @Test func reconnectWaitsDoubleUpToTheMaximum() async throws {
    let clock = ManualClock()
    let options = options(clock) {
      $0.reconnectMinimum = .seconds(1)
      $0.reconnectMaximum = .seconds(8)
    }
    let attempts = Atomic<Int>(0)
    let dialer = Dialer(
      address: try Address("tcp://127.0.0.1:1"), logger: Logger(label: "test"), options: { options },
      connect: {
        attempts.add(1, ordering: .relaxed)
        throw SPError.connectionRefused("nothing listens")
      })
    defer { dialer.close() }
    try await dialer.start(waitForConnection: false)
    for (attempt, full) in [1, 2, 4, 8, 8, 8].enumerated() {
      await clock.waitForSleepers()
      #expect(attempts.load(ordering: .relaxed) == attempt + 1)
      let deadline = try #require(clock.nextDeadline)
      let wait = clock.now.duration(to: deadline)
      #expect(wait >= .seconds(full) / 2 && wait <= .seconds(full), "wait \(attempt + 1) is \(wait)")
      #expect(clock.advance(by: wait - .nanoseconds(1)) == 0, "no attempt before the wait is over")
      #expect(clock.advance(to: deadline) == 1)
    }
    await clock.waitForSleepers()
    #expect(attempts.load(ordering: .relaxed) == 7)
  }

  @Test func aBackgroundDialConnectsAtItsNextAttemptAfterTheListenerAppears() async throws {
    let clock = ManualClock()
    let push = Push0(
      options: options(clock) {
        $0.reconnectMinimum = .seconds(1)
        $0.reconnectMaximum = .seconds(30)
      })
    defer { push.close() }
    let path = uniqueIPCPath()
    try await push.dial(path, waitForConnection: false)
    for _ in 1...3 {  // refused three times: waits of up to 1, 2 and 4 s
      await clock.waitForSleepers()
      clock.advance(to: try #require(clock.nextDeadline))
    }
    await clock.waitForSleepers()
    let pull = Pull0()
    defer { pull.close() }
    try await pull.listen(path)
    #expect(push.statistics.pipesOpen == 0, "no attempt while the clock stands still")
    let wait = clock.now.duration(to: try #require(clock.nextDeadline))
    #expect(wait >= .seconds(4) && wait <= .seconds(8))
    clock.advance(by: wait)
    try await push.send("at last")
    #expect(try await pull.receive().string == "at last")
  }
}
