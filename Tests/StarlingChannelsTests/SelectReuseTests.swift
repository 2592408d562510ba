import Testing

@testable import StarlingChannels

/// A select reuses its core and its channel registrations from one wait to the next (see
/// `SelectCore`). What could go wrong is a source still holding, or claiming, a registration
/// that has moved on to a later select: these tests race every way a registration leaves a
/// channel (a delivery, `close()`, cancellation, a timeout) against the next select that reuses
/// it, and check that the later select is never fired by anything meant for the earlier one.
@Suite struct SelectReuseTests {
  @Test func aChannelClosedWhileItsSelectFiresElsewhereNeverFiresTheNextSelect() async throws {
    for round in 0..<300 {
      let closing = Channel<Int>()
      let delivering = Channel<Int>(capacity: 1)
      let first = Task {
        try await select {
          onReceive(closing) { value in value == nil ? "closed" : "value" }
          onReceive(delivering) { _ in "delivered" }
        }
      }
      try await eventually { waitingReceivers(closing) == 1 && waitingReceivers(delivering) == 1 }
      await race(jitter: round) {
        closing.close()
      } and: {
        _ = try? delivering.trySend(round)
      }
      let outcome = try await first.value
      #expect(outcome == "closed" || outcome == "delivered")

      // The next select on this task is likely to reuse the core and the registrations: only
      // its own channels may fire it.
      let quiet = Channel<Int>()
      let own = Channel<Int>(capacity: 1)
      try await own.send(-1)
      let second = try await select {
        onReceive(quiet) { _ in "quiet" }
        onReceive(own) { value in "own \(value ?? 0)" }
      }
      #expect(second == "own -1")
      let third = try await select {
        onReceive(quiet) { _ in "quiet" }
        onTimeout(.milliseconds(1)) { "timed out" }
      }
      #expect(third == "timed out", "a registration left in an earlier channel fired a later select")
      #expect(waitingReceivers(quiet) == 0)
    }
  }

  @Test func manyTasksSelectingInTurnReceiveEveryElementOnce() async throws {
    let channels = (0..<3).map { _ in Channel<Int>(capacity: 0) }
    let perChannel = 600
    let received = try await withThrowingTaskGroup(of: [Int].self) { group in
      for (index, channel) in channels.enumerated() {
        group.addTask {
          for value in 0..<perChannel { try await channel.send(index * perChannel + value) }
          channel.close()
          return []
        }
      }
      for _ in 0..<4 {
        group.addTask {
          var values: [Int] = []
          var closed: Set<Int> = []
          while closed.count < channels.count {
            // A closed channel is always ready: leave it out once it has said so.
            let (index, value) = try await select {
              if !closed.contains(0) { onReceive(channels[0]) { (0, $0) } }
              if !closed.contains(1) { onReceive(channels[1]) { (1, $0) } }
              if !closed.contains(2) { onReceive(channels[2]) { (2, $0) } }
            }
            if let value { values.append(value) } else { closed.insert(index) }
          }
          return values
        }
      }
      var all: [Int] = []
      for try await values in group { all += values }
      return all
    }
    #expect(received.count == channels.count * perChannel, "nothing lost or received twice")
    #expect(Set(received) == Set(0..<(channels.count * perChannel)))
    for channel in channels { #expect(waitingReceivers(channel) == 0) }
  }
}
