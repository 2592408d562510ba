import Synchronization

/// Sends the time on a channel at a fixed interval, skipping ticks a slow receiver cannot take.
///
/// A ticker's ``ticks`` channel holds at most one tick. Each tick is due one ``interval`` after
/// the one before (the schedule never drifts, however long sending takes), and is sent as the
/// instant it was due. A tick that falls due while the previous one is still waiting to be
/// received is *skipped*, not queued, and counted in ``skipped``: a slow receiver gets the
/// oldest tick it has not taken, then the next one due after it takes it.
///
/// ```swift
/// let ticker = Ticker(every: .milliseconds(100))
/// for await tick in ticker {
///   print("tick at", tick)
///   if done { break }
/// }
/// ```
///
/// If the ticker itself wakes late (the system was busy or suspended) and several ticks have
/// fallen due at once, it sends only the latest of them and counts the others as skipped: it
/// never sends a burst of ticks to catch up.
///
/// The ticker stops when ``stop()`` is called, when it is deallocated, or when someone closes
/// ``ticks`` (then at the next tick due at the latest). Keep the ticker for as long as you
/// receive from ``ticks``; iterating the ticker itself keeps it alive.
public final class Ticker<C: Clock>: Sendable where C.Duration == Duration {
  /// The ticks: each is the instant on ``clock`` it was due. The channel holds at most one.
  ///
  /// It is closed when the ticker stops.
  public let ticks: Channel<C.Instant>

  /// The time between two ticks.
  public let interval: Duration

  /// The clock the ticker measures time with.
  public let clock: C

  let counters: TickerCounters
  let task: Task<Void, Never>

  /// Creates a ticker that ticks every `interval` on `clock`, starting now.
  ///
  /// The first tick is due one interval after the ticker is created.
  ///
  /// - Parameters:
  ///   - interval: the time between two ticks; must be positive.
  ///   - clock: the clock to measure time with.
  public init(every interval: Duration, clock: C) {
    precondition(interval > .zero, "a ticker's interval must be positive")
    let ticks = Channel<C.Instant>(capacity: 1)
    let counters = TickerCounters()
    let first = clock.now.advanced(by: interval)
    self.ticks = ticks
    self.interval = interval
    self.clock = clock
    self.counters = counters
    self.task = Task {
      await Self.run(ticks: ticks, clock: clock, interval: interval, first: first, counters: counters)
    }
  }

  deinit {
    stop()
  }

  /// How many ticks have been skipped: they fell due while the previous tick was still
  /// waiting to be received, or while the ticker was late.
  public var skipped: Int {
    counters.skipped.load(ordering: .relaxed)
  }

  /// Stops the ticker and closes ``ticks``.
  ///
  /// A tick still waiting to be received is discarded: after `stop()`, receiving from
  /// ``ticks`` gives `nil`. Stopping a stopped ticker does nothing.
  public func stop() {
    task.cancel()
    ticks.closeDiscardingBuffer()
  }

  /// The ticker's loop: sleep until the next deadline, send or skip, repeat.
  private static func run(
    ticks: Channel<C.Instant>, clock: C, interval: Duration, first: C.Instant, counters: TickerCounters
  ) async {
    defer { ticks.close() }  // ends iteration if the clock's sleep fails for any reason
    var deadline = first
    while !Task.isCancelled {
      do {
        try await clock.sleep(until: deadline, tolerance: nil)
      } catch {
        return
      }
      // Woken late: skip to the latest deadline that has passed.
      let now = clock.now
      let late = deadline.duration(to: now)
      if late >= interval {
        var missed = Int((late / interval).rounded(.down))
        while missed > 0 && deadline.advanced(by: interval * missed) > now { missed -= 1 }
        while deadline.advanced(by: interval * (missed + 1)) <= now { missed += 1 }
        deadline = deadline.advanced(by: interval * missed)
        counters.skipped.add(missed, ordering: .relaxed)
      }
      do {
        if try !ticks.trySend(deadline) {
          counters.skipped.add(1, ordering: .relaxed)
        }
      } catch {
        return  // someone closed the channel
      }
      deadline = deadline.advanced(by: interval)
    }
  }
}

extension Ticker where C == ContinuousClock {
  /// Creates a ticker that ticks every `interval` on the continuous clock, starting now.
  ///
  /// The first tick is due one interval after the ticker is created.
  ///
  /// - Parameter interval: the time between two ticks; must be positive.
  public convenience init(every interval: Duration) {
    self.init(every: interval, clock: ContinuousClock())
  }
}

extension Ticker: AsyncSequence {
  /// Iterates over a ticker's ticks until it stops.
  ///
  /// Iteration also ends if the iterating task is cancelled. The iterator keeps the ticker
  /// alive.
  public struct AsyncIterator: AsyncIteratorProtocol {
    let ticker: Ticker

    /// Receives the next tick; `nil` when the ticker has stopped, or the task is cancelled.
    public mutating func next() async -> C.Instant? {
      try? await ticker.ticks.receive()
    }

    /// Receives the next tick; `nil` when the ticker has stopped, or the task is cancelled.
    public mutating func next(isolation actor: isolated (any Actor)?) async -> C.Instant? {
      try? await ticker.ticks.receive()
    }
  }

  /// Makes an iterator over the ticker's ticks.
  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(ticker: self)
  }
}

/// The counters a ticker shares with its loop (which must not hold the ticker itself).
final class TickerCounters: Sendable {
  let skipped = Atomic<Int>(0)
}
