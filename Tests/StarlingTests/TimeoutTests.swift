import Testing

import struct StarlingChannels.Lock

@testable import Starling

/// A timeout ends its wait even when it fires before the wait has begun. With a zero timeout the
/// timer may run before the caller has registered its wait; such a timeout used to be lost, and
/// the call waited forever (on a loaded machine, the 372nd of 3,000 zero-timeout receives did).
/// Whether the timer wins depends on scheduling, so each test makes many such calls.
@Suite(.timeLimit(.minutes(5))) struct TimeoutTests {
  static let rounds = 3000

  /// How many of `rounds` attempts failed with ``SPError/timedOut``.
  static func timeouts(_ attempt: (Int) async throws -> Void) async throws -> Int {
    var timedOut = 0
    for n in 0..<rounds {
      do {
        try await attempt(n)
      } catch SPError.timedOut {
        timedOut += 1
      }
    }
    return timedOut
  }

  @Test func zeroTimeoutReceivesAllTimeOut() async throws {
    let pull = Pull0()
    defer { pull.close() }
    #expect(try await Self.timeouts { _ in _ = try await pull.core.receive(timeout: .zero) } == Self.rounds)
  }

  @Test func zeroTimeoutSendsWithNoPeerAllTimeOut() async throws {
    let push = Push0()
    defer { push.close() }
    #expect(
      try await Self.timeouts { n in try await push.core.send(Message(string: "\(n)"), timeout: .zero) }
        == Self.rounds)
    #expect(push.core.state.withLock { $0.senders.isEmpty })
  }

  @Test func zeroTimeoutRequestsWithNoPeerAllTimeOut() async throws {
    let req = Req0()
    defer { req.close() }
    #expect(
      try await Self.timeouts { n in _ = try await req.request(Message(string: "\(n)"), timeout: .zero) }
        == Self.rounds)
  }
}
