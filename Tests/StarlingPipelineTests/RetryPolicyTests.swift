import Synchronization
import Testing

@testable import StarlingPipeline

/// The backoff schedule (a pure function) and the retry loop around it, on a clock that only
/// records how long it was asked to sleep.
@Suite(.timeLimit(.minutes(5)))
struct RetryPolicyTests {
  /// A clock whose sleeps return at once, recording each wait (and moving its time on by it).
  final class RecordingClock: Clock, Sendable {
    struct Instant: InstantProtocol {
      var offset: Duration
      func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
      func duration(to other: Instant) -> Duration { other.offset - offset }
      static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let state = Mutex<(now: Duration, waits: [Duration])>((.zero, []))
    var now: Instant { Instant(offset: state.withLock { $0.now }) }
    var minimumResolution: Duration { .nanoseconds(1) }
    var waits: [Duration] { state.withLock { $0.waits } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
      try Task.checkCancellation()
      state.withLock { state in
        state.waits.append(deadline.offset - state.now)
        state.now = deadline.offset
      }
    }
  }

  struct Refused: Error, CustomStringConvertible {
    var description: String { "connection refused (ECONNREFUSED)" }
  }

  struct Permanent: Error {}

  let backoff = Backoff(minimum: .milliseconds(100), maximum: .seconds(5))

  @Test func theWaitDoublesFromTheMinimumUpToTheMaximum() {
    let waits = (1...8).map { backoff.delay(beforeRetry: $0, jitter: 1) }
    #expect(
      waits == [
        .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600),
        .milliseconds(3200), .seconds(5), .seconds(5),
      ])
    #expect(backoff.delay(beforeRetry: 1000, jitter: 1) == .seconds(5))
  }

  @Test func jitterTakesUpToHalfOff() {
    #expect(backoff.delay(beforeRetry: 3, jitter: 0) == .milliseconds(200))
    #expect(backoff.delay(beforeRetry: 3, jitter: 0.5) == .milliseconds(300))
    // Out-of-range jitter and retry numbers are clamped.
    #expect(backoff.delay(beforeRetry: 3, jitter: -1) == .milliseconds(200))
    #expect(backoff.delay(beforeRetry: 3, jitter: 7) == .milliseconds(400))
    #expect(backoff.delay(beforeRetry: 0, jitter: 1) == .milliseconds(100))
  }

  @Test func aMaximumBelowTheMinimumIsTheMinimum() {
    let flat = Backoff(minimum: .seconds(2), maximum: .seconds(1))
    #expect(flat.maximum == .seconds(2))
    #expect(flat.delay(beforeRetry: 5, jitter: 1) == .seconds(2))
  }

  @Test func aFailingDeliveryIsTriedRetriesPlusOneTimesWithTheBackoffBetween() async throws {
    let clock = RecordingClock()
    let policy = RetryPolicy(retries: 3, backoff: backoff)
    let tries = Mutex(0)
    await #expect {
      try await policy.run(clock: clock, jitter: { 1 }) {
        tries.withLock { $0 += 1 }
        throw Refused()
      }
    } throws: { error in
      (error as? RetriesExhausted)?.tries == 4
        && "\(error)" == "connection refused (ECONNREFUSED) (gave up after 4 tries)"
    }
    #expect(tries.withLock { $0 } == 4)
    #expect(clock.waits == [.milliseconds(100), .milliseconds(200), .milliseconds(400)])
  }

  @Test func aDeliveryThatSucceedsOnARetryReturnsItsResult() async throws {
    let clock = RecordingClock()
    let tries = Mutex(0)
    let result = try await RetryPolicy(retries: 5, backoff: backoff).run(clock: clock, jitter: { 0 }) {
      let attempt = tries.withLock {
        $0 += 1
        return $0
      }
      if attempt < 3 { throw Refused() }
      return "delivered on try \(attempt)"
    }
    #expect(result == "delivered on try 3")
    #expect(clock.waits == [.milliseconds(50), .milliseconds(100)])
  }

  @Test func anErrorTheOutputCallsPermanentIsNotRetried() async throws {
    let clock = RecordingClock()
    let tries = Mutex(0)
    await #expect(throws: Permanent.self) {
      try await RetryPolicy(retries: 3, backoff: backoff).run(
        clock: clock, isRetryable: { !($0 is Permanent) }
      ) {
        tries.withLock { $0 += 1 }
        throw Permanent()
      }
    }
    #expect(tries.withLock { $0 } == 1)
    #expect(clock.waits.isEmpty)
  }

  @Test func noRetriesThrowsTheErrorItself() async throws {
    await #expect(throws: Refused.self) {
      try await RetryPolicy(retries: 0, backoff: backoff).run(clock: RecordingClock()) { throw Refused() }
    }
  }

  @Test func cancellingTheTaskEndsTheWaitBetweenTries() async throws {
    let policy = RetryPolicy(retries: 3, backoff: Backoff(minimum: .seconds(3600), maximum: .seconds(3600)))
    let started = AsyncStream<Void>.makeStream()
    let task = Task {
      try await policy.run {
        started.continuation.yield()
        throw Refused()
      }
    }
    for await _ in started.stream { break }
    task.cancel()
    await #expect(throws: CancellationError.self) { try await task.value }
  }

  @Test func theArgumentsAreReadAndCheckedTogether() throws {
    let policy = try RetryPolicy(
      ModuleArguments(["retries": 7, "backoff_min": .double(0.25), "backoff_max": 10]))
    #expect(
      policy == RetryPolicy(retries: 7, backoff: Backoff(minimum: .milliseconds(250), maximum: .seconds(10))))
    #expect(
      throws: PipelineError.invalidArgument(
        "backoff_max (1s) is below backoff_min (2s): give a maximum at least as long")
    ) {
      try RetryPolicy(ModuleArguments(["backoff_min": 2, "backoff_max": 1]))
    }
    let defaults = try RetryPolicy(ModuleArguments())
    #expect(defaults == RetryPolicy(retries: 3, backoff: backoff))
  }
}
