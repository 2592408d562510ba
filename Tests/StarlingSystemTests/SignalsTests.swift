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
@Suite(.serialized, .timeLimit(.minutes(1))) struct SignalsTests {
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
    #expect(second.channel.count == 0, "SIGWINCH went only to the subscriber that asked for it")

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

  @Test func selectWaitsOnSignalsBesideChannels() async throws {
    let signals = try Signals.stream([.windowChanged])
    defer { signals.cancel() }
    let jobs = Channel<String>(capacity: 1)
    raise(.windowChanged)
    let outcome = try await select {
      onReceive(signals.channel) { signal in "signal \(signal?.description ?? "end")" }
      onReceive(jobs) { job in "job \(job ?? "end")" }
    }
    #expect(outcome == "signal SIGWINCH")
  }

  @Test func aFullBufferDropsAndCounts() throws {
    let signals = try Signals.stream([.windowChanged], bufferSize: 1)
    defer { signals.cancel() }
    for _ in 0..<3 { signals.subscription.deliver(.windowChanged) }
    #expect(signals.dropped == 2)
    #expect(signals.channel.count == 1)
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
