import Synchronization
import Testing

@testable import StarlingChannels

/// `ManualClock` wakes exactly the sleepers whose deadlines an advance reaches, earliest first,
/// and a cancelled sleeper at once; `AnyClock` passes both through.
@Suite(.timeLimit(.minutes(5))) struct ManualClockTests {
  private func at(_ seconds: Int64) -> ManualClock.Instant {
    ManualClock.Instant(offset: .seconds(seconds))
  }

  @Test func advanceWakesOnlyTheSleepersItReaches() async throws {
    let clock = ManualClock()
    let sleepers = [5, 1, 3, 2].map { seconds in
      Task { try await clock.sleep(until: at(Int64(seconds))) }
    }
    await clock.waitForSleepers(4)
    #expect(clock.nextDeadline == at(1))
    #expect(clock.advance(by: .milliseconds(999)) == 0)
    #expect(clock.advance(to: at(3)) == 3, "past three deadlines at once")
    for index in [1, 2, 3] { try await sleepers[index].value }
    #expect(clock.sleeperCount == 1)
    #expect(clock.nextDeadline == at(5))
    #expect(clock.now == at(3))
    #expect(clock.advance(by: .seconds(2)) == 1)
    try await sleepers[0].value
    #expect(clock.sleeperCount == 0)
    #expect(clock.nextDeadline == nil)
  }

  /// Woken tasks that share a serial executor run in the order the clock woke them.
  @MainActor @Test func sleepersWakeEarliestDeadlineFirstThenInOrderOfSleeping() async throws {
    let clock = ManualClock()
    let woken = WakeLog()
    var tasks: [Task<Void, any Error>] = []
    for (name, seconds) in [("c", 3), ("a", 1), ("b1", 2), ("b2", 2)] {
      tasks.append(
        Task { @MainActor in
          try await clock.sleep(until: at(Int64(seconds)))
          woken.names.append(name)
        })
      await clock.waitForSleepers(tasks.count)  // so that b1 sleeps before b2
    }
    #expect(clock.advance(by: .seconds(10)) == 4)
    for task in tasks { try await task.value }
    #expect(woken.names == ["a", "b1", "b2", "c"])
  }

  @Test func aPassedDeadlineReturnsAtOnce() async throws {
    let clock = ManualClock()
    clock.advance(by: .seconds(10))
    try await clock.sleep(until: at(10))
    try await clock.sleep(until: at(3))
    try await clock.sleep(for: .zero)
    #expect(clock.sleeperCount == 0)
  }

  @Test func advanceToAnEarlierInstantDoesNotGoBack() {
    let clock = ManualClock()
    clock.advance(by: .seconds(5))
    #expect(clock.advance(to: at(2)) == 0)
    #expect(clock.now == at(5))
  }

  @Test func cancellingASleeperWakesItWithCancellationError() async throws {
    let clock = ManualClock()
    let sleeper = Task { try await clock.sleep(for: .seconds(60)) }
    await clock.waitForSleepers()
    sleeper.cancel()
    await #expect(throws: CancellationError.self) { try await sleeper.value }
    #expect(clock.sleeperCount == 0, "the cancelled sleeper is gone")
    #expect(clock.advance(by: .seconds(60)) == 0)
  }

  @Test func aCancelledTaskDoesNotSleep() async throws {
    let clock = ManualClock()
    let sleeper = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      try await clock.sleep(for: .seconds(1))
    }
    await #expect(throws: CancellationError.self) { try await sleeper.value }
    #expect(clock.sleeperCount == 0)
  }

  @Test func cancellingOneSleeperLeavesTheOthers() async throws {
    let clock = ManualClock()
    let first = Task { try await clock.sleep(for: .seconds(1)) }
    let second = Task { try await clock.sleep(for: .seconds(1)) }
    await clock.waitForSleepers(2)
    first.cancel()
    await #expect(throws: CancellationError.self) { try await first.value }
    #expect(clock.advance(by: .seconds(1)) == 1)
    try await second.value
  }

  @Test func waitForSleepersReturnsWhenCancelled() async {
    let clock = ManualClock()
    let waiter = Task { await clock.waitForSleepers(1) }
    waiter.cancel()
    await waiter.value
    #expect(clock.sleeperCount == 0)
  }

  @Test func anyClockCountsFromWhenItWasMadeAndSleepsOnTheWrappedClock() async throws {
    let clock = ManualClock()
    clock.advance(by: .seconds(100))
    let erased = AnyClock(clock)
    #expect(erased.now == AnyClock.Instant(offset: .zero))
    clock.advance(by: .seconds(2))
    #expect(erased.now == AnyClock.Instant(offset: .seconds(2)))
    #expect(erased.minimumResolution == .zero)
    #expect(erased.clock is ManualClock)
    let sleeper = Task { try await erased.sleep(for: .seconds(5)) }
    await clock.waitForSleepers()
    #expect(clock.nextDeadline == at(107))
    #expect(clock.advance(by: .seconds(5)) == 1)
    try await sleeper.value
  }

  @Test func theContinuousAnyClockMovesForward() async throws {
    let clock = AnyClock.continuous
    let start = clock.now
    try await clock.sleep(for: .milliseconds(1))
    #expect(clock.now >= start.advanced(by: .milliseconds(1)))
    #expect(clock.clock is ContinuousClock)
  }
}

/// The names of woken tasks, in the order they ran.
@MainActor private final class WakeLog {
  var names: [String] = []
}
