import Synchronization
import Testing

@testable import StarlingChannels

// Helpers shared by the channel and select suites.

func waitingReceivers<Element>(_ channel: Channel<Element>) -> Int {
  channel.state.withLock { $0.receivers.count }
}

func waitingSenders<Element>(_ channel: Channel<Element>) -> Int {
  channel.state.withLock { $0.senders.count }
}

struct NeverHappened: Error {}

/// Yields until `condition` holds: for "a task now waits in a channel's queue" there is no
/// event to await. Gives up (failing the test) after a generous deadline instead of hanging.
func eventually(
  sourceLocation: SourceLocation = #_sourceLocation, _ condition: () -> Bool
) async throws {
  let deadline = ContinuousClock.now + .seconds(30)
  while !condition() {
    if ContinuousClock.now > deadline {
      Issue.record("the expected state was never reached", sourceLocation: sourceLocation)
      throw NeverHappened()
    }
    await Task.yield()
  }
}

/// Runs `first` and `second` in two child tasks released together from a starting gate,
/// each after a few yields chosen by `jitter`, so that they overlap or run in either order.
func race(
  jitter: Int, _ first: @escaping @Sendable () async -> Void, and second: @escaping @Sendable () async -> Void
) async {
  let gate = Gate()
  async let one: Void = {
    await gate.arriveAndWait()
    for _ in 0..<(jitter % 3) { await Task.yield() }
    await first()
  }()
  async let two: Void = {
    await gate.arriveAndWait()
    for _ in 0..<(jitter / 3 % 3) { await Task.yield() }
    await second()
  }()
  _ = await (one, two)
}

/// A starting gate for two tasks.
final class Gate: Sendable {
  private let arrived = Atomic<Int>(0)

  func arriveAndWait() async {
    arrived.add(1, ordering: .sequentiallyConsistent)
    var spins = 0
    while arrived.load(ordering: .sequentiallyConsistent) < 2 {
      spins += 1
      if spins % 64 == 0 { await Task.yield() }  // the other task may need this thread
    }
  }
}

final class Counter: Sendable {
  private let count = Atomic<Int>(0)

  var value: Int { count.load(ordering: .relaxed) }

  func increment() {
    count.add(1, ordering: .relaxed)
  }
}
