import Testing

@testable import StarlingChannels

@Suite(.timeLimit(.minutes(5))) struct TickerTests {
  private func at(_ seconds: Int64) -> ManualClock.Instant {
    ManualClock.Instant(offset: .seconds(seconds))
  }

  @Test func ticksArriveOnePerInterval() async throws {
    let clock = ManualClock()
    let ticker = Ticker(every: .seconds(1), clock: clock)
    for second in 1...4 {
      #expect(try ticker.ticks.tryReceive() == nil)
      clock.advance(by: .seconds(1))
      #expect(try await ticker.ticks.receive() == at(Int64(second)))
    }
    #expect(ticker.skipped == 0)
    ticker.stop()
  }

  @Test func deadlinesDoNotDriftWithUnevenAdvances() async throws {
    let clock = ManualClock()
    let ticker = Ticker(every: .seconds(2), clock: clock)
    clock.advance(by: .seconds(1))
    await clock.waitForSleepers()
    #expect(try ticker.ticks.tryReceive() == nil)
    clock.advance(by: .milliseconds(1500))  // now t+2.5: the tick due at t+2 fires
    await clock.waitForSleepers()
    #expect(try ticker.ticks.tryReceive() == at(2))
    clock.advance(by: .milliseconds(1500))  // now t+4: the next tick is due at t+4, not t+4.5
    await clock.waitForSleepers()
    #expect(try ticker.ticks.tryReceive() == at(4))
    #expect(ticker.skipped == 0)
    ticker.stop()
  }

  @Test func slowReceiverMakesTicksSkip() async throws {
    let clock = ManualClock()
    let ticker = Ticker(every: .seconds(1), clock: clock)
    for _ in 1...5 {
      clock.advance(by: .seconds(1))
      await clock.waitForSleepers()  // the ticker handled this tick and sleeps until the next
    }
    // The channel holds the first tick; the four after it found the channel full.
    #expect(ticker.ticks.count == 1)
    #expect(ticker.skipped == 4)
    #expect(try await ticker.ticks.receive() == at(1))
    #expect(try ticker.ticks.tryReceive() == nil)
    clock.advance(by: .seconds(1))
    #expect(try await ticker.ticks.receive() == at(6))
    #expect(ticker.skipped == 4)
    ticker.stop()
  }

  @Test func lateWakeSendsOnlyTheLatestDueTick() async throws {
    let clock = ManualClock()
    let ticker = Ticker(every: .seconds(1), clock: clock)
    clock.advance(by: .milliseconds(5500))  // ticks due at t+1 ... t+5, all at once
    #expect(try await ticker.ticks.receive() == at(5))
    #expect(ticker.skipped == 4)
    await clock.waitForSleepers()
    #expect(try ticker.ticks.tryReceive() == nil)
    clock.advance(by: .milliseconds(500))
    #expect(try await ticker.ticks.receive() == at(6))
    #expect(ticker.skipped == 4)
    ticker.stop()
  }

  @Test func stopEndsIteration() async throws {
    let clock = ManualClock()
    let ticker = Ticker(every: .seconds(1), clock: clock)
    var received: [ManualClock.Instant] = []
    clock.advance(by: .seconds(1))
    for await tick in ticker {
      received.append(tick)
      if received.count == 3 {
        ticker.stop()
      } else {
        clock.advance(by: .seconds(1))
      }
    }
    #expect(received == [at(1), at(2), at(3)])
    #expect(ticker.ticks.isClosed)
    await ticker.task.value
    #expect(clock.sleeperCount == 0)
  }

  @Test func stopDiscardsAnUnreceivedTick() async throws {
    let clock = ManualClock()
    let ticker = Ticker(every: .seconds(1), clock: clock)
    clock.advance(by: .seconds(1))
    await clock.waitForSleepers()
    #expect(ticker.ticks.count == 1)
    ticker.stop()
    ticker.stop()
    #expect(try await ticker.ticks.receive() == nil)
    await ticker.task.value
    #expect(clock.sleeperCount == 0)
  }

  @Test func closingTheChannelStopsTheTicker() async throws {
    let clock = ManualClock()
    let ticker = Ticker(every: .seconds(1), clock: clock)
    await clock.waitForSleepers()
    ticker.ticks.close()
    clock.advance(by: .seconds(1))
    await ticker.task.value  // the loop ended: it found the channel closed
    #expect(clock.sleeperCount == 0)
    #expect(ticker.skipped == 0)
    #expect(try await ticker.ticks.receive() == nil)
  }

  @Test func deinitStopsTheTicker() async throws {
    let clock = ManualClock()
    var ticker: Ticker<ManualClock>? = Ticker(every: .seconds(1), clock: clock)
    let task = ticker!.task
    let ticks = ticker!.ticks
    await clock.waitForSleepers()
    ticker = nil
    await task.value  // cancelled while it slept
    #expect(ticks.isClosed)
    #expect(clock.sleeperCount == 0)
  }

  @Test func continuousClockTicksInOrder() async throws {
    let ticker = Ticker(every: .milliseconds(1))
    var ticks: [ContinuousClock.Instant] = []
    for await tick in ticker {
      ticks.append(tick)
      if ticks.count == 3 { break }
    }
    #expect(ticks.count == 3)
    #expect(ticks[0] < ticks[1] && ticks[1] < ticks[2])
    ticker.stop()
    #expect(try await ticker.ticks.receive() == nil)
  }
}
