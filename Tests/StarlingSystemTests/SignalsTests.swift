import StarlingChannels
import Testing

@testable import StarlingSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Signals raised with `kill` at the test process itself. Only SIGUSR1, SIGUSR2 and SIGWINCH,
/// which no other test uses, and each raised only while a subscription holds it (their
/// default actions would end the test process, except SIGWINCH's). Serialized: the signals
/// are the process's, shared by these tests.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SignalsTests {
  private func raise(_ signal: UnixSignal) {
    kill(getpid(), signal.rawValue)
  }

  @Test func aSubscriberGetsTheSignalAndTheDefaultActionComesBackAfter() async throws {
    #expect(SignalRegistry.hasDefaultAction(.user1))
    let signals = try Signals.stream([.user1])
    #expect(!SignalRegistry.hasDefaultAction(.user1), "handled while subscribed")
    raise(.user1)
    #expect(try await signals.receive() == .user1)
    signals.cancel()
    #expect(SignalRegistry.hasDefaultAction(.user1))
    #expect(try await signals.receive() == nil, "a cancelled subscription ends")
  }

  @Test func everySubscriberGetsEveryDelivery() async throws {
    let first = try Signals.stream([.user2, .windowChanged])
    let second = try Signals.stream([.user2])
    raise(.user2)
    #expect(try await first.receive() == .user2)
    #expect(try await second.receive() == .user2)
    raise(.windowChanged)
    #expect(try await first.receive() == .windowChanged)
    raise(.user2)
    #expect(try await first.receive() == .user2)
    #expect(try await second.receive() == .user2)
    #expect(second.subscription.channel.count == 0, "SIGWINCH went only to the subscriber that asked for it")

    first.cancel()
    #expect(!SignalRegistry.hasDefaultAction(.user2), "the second subscriber still holds SIGUSR2")
    #expect(SignalRegistry.hasDefaultAction(.windowChanged))
    second.cancel()
    #expect(SignalRegistry.hasDefaultAction(.user2))
  }

  @Test func aReleasedStreamEndsItsSubscription() async throws {
    do {
      let signals = try Signals.stream([.user1])
      raise(.user1)
      for await signal in signals {
        #expect(signal == .user1)
        break
      }
    }
    #expect(SignalRegistry.hasDefaultAction(.user1))
  }

  /// Waits until `signals` holds `count` deliveries: `kill` returns before the reading thread
  /// has handed the signal over.
  private func delivered(_ signals: SignalStream, count: Int = 1) async throws {
    try await eventually { signals.subscription.channel.count >= count }
  }

  @Test func aSelectWaitingBesideAChannelFiresOnTheSignal() async throws {
    let signals = try Signals.stream([.windowChanged])
    defer { signals.cancel() }
    let jobs = Channel<String>(capacity: 1)
    let selecting = Task {
      try await select {
        onReceive(signals) { signal in "signal \(signal?.description ?? "end")" }
        onReceive(jobs) { job in "job \(job ?? "end")" }
      }
    }
    raise(.windowChanged)
    #expect(try await selecting.value == "signal SIGWINCH")
    try await jobs.send("later")
    #expect(try await jobs.receive() == "later", "the select left the channel")
  }

  @Test func whenASignalAndAJobAreBothReadyExactlyOneFiresAndTheOtherStays() async throws {
    let signals = try Signals.stream([.user2])
    defer { signals.cancel() }
    let jobs = Channel<String>(capacity: 1)
    var fired: Set<String> = []
    for round in 0..<64 {
      raise(.user2)
      try await delivered(signals)
      try await jobs.send("job \(round)")
      let outcome = try await select {
        onReceive(signals) { signal in "signal \(signal?.description ?? "end")" }
        onReceive(jobs) { job in job ?? "end" }
      }
      if outcome == "signal SIGUSR2" {
        fired.insert("signal")
        #expect(try jobs.tryReceive() == "job \(round)", "the job stays")
      } else {
        fired.insert("job")
        #expect(outcome == "job \(round)")
        #expect(signals.selectTryTake() == .some(.user2), "the signal stays")
      }
      #expect(signals.subscription.channel.count == 0 && jobs.count == 0, "each was taken once")
    }
    #expect(fired == ["signal", "job"], "either case may fire when both are ready")
    #expect(signals.dropped == 0)
  }

  @Test func signalsAndJobsArrivingWhileSelectsWaitAreEachReceivedOnce() async throws {
    let signals = try Signals.stream([.user2])
    defer { signals.cancel() }
    let jobs = Channel<String>(capacity: 1)
    let rounds = 64
    for round in 0..<rounds {
      let selecting = Task {
        try await select {
          onReceive(signals) { signal in "signal \(signal?.description ?? "end")" }
          onReceive(jobs) { job in job ?? "end" }
        }
      }
      // Both come while the select waits (or as it starts): exactly one case fires, and the
      // other's value is still there to receive.
      raise(.user2)
      try await jobs.send("job \(round)")
      let outcome = try await selecting.value
      if outcome == "signal SIGUSR2" {
        #expect(try await jobs.receive() == "job \(round)", "the job was not taken")
      } else {
        #expect(outcome == "job \(round)")
        #expect(try await signals.receive() == .user2, "the signal was not taken")
      }
    }
    #expect(signals.subscription.channel.count == 0 && jobs.count == 0, "nothing left over")
    #expect(signals.dropped == 0, "nothing lost")
  }

  @Test func anEndedSubscriptionFiresItsCaseWithNil() async throws {
    let signals = try Signals.stream([.user2])
    signals.cancel()
    let outcome = try await select {
      onReceive(signals) { signal in signal?.description ?? "ended" }
    }
    #expect(outcome == "ended")
  }

  @Test func aFullBufferDropsAndCounts() throws {
    let signals = try Signals.stream([.windowChanged], bufferSize: 1)
    defer { signals.cancel() }
    for _ in 0..<3 { signals.subscription.deliver(.windowChanged) }
    #expect(signals.dropped == 2)
    #expect(signals.subscription.channel.count == 1)
  }

  @Test func signalsThatCannotBeSubscribedToSayWhy() {
    #expect(throws: SignalError.cannotBeCaught(.kill)) { try Signals.stream([.kill]) }
    #expect(throws: SignalError.cannotBeCaught(.stop)) { try Signals.stream([.user1, .stop]) }
    #expect(throws: SignalError.unknownSignal(99)) { try Signals.stream([UnixSignal(rawValue: 99)]) }
    #expect(throws: SignalError.noSignals) { try Signals.stream([]) }
    #expect(SignalRegistry.hasDefaultAction(.user1), "a refused subscription leaves nothing behind")
    #expect(SignalError.cannotBeCaught(.kill).description == "SIGKILL cannot be caught")
  }
}
