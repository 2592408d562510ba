import Dispatch
import StarlingChannels
import Testing

@testable import StarlingSystem

/// ThreadPool: results and errors come back, work runs in order on the pool's threads, and a
/// task cancelled before its work starts never runs it.
@Suite(.timeLimit(.minutes(5))) struct ThreadPoolTests {
  struct Refused: Error, Equatable {}

  @Test func returnsTheResultAndRethrowsTheError() async throws {
    let pool = ThreadPool(threads: 2)
    #expect(try await pool.run { 6 * 7 } == 42)
    await #expect(throws: Refused()) { try await pool.run { throw Refused() } }
  }

  @Test func sharedHasAtLeastFourThreads() {
    #expect(ThreadPool.shared.threads >= 4)
  }

  @Test func twoThreadsRunTwoPiecesOfWorkAtOnce() async throws {
    let pool = ThreadPool(threads: 2)
    let first = DispatchSemaphore(value: 0)
    let second = DispatchSemaphore(value: 0)
    // Each waits for the other: they finish only if both run at the same time.
    async let a: Void = pool.run {
      first.signal()
      second.wait()
    }
    async let b: Void = pool.run {
      second.signal()
      first.wait()
    }
    _ = try await (a, b)
  }

  @Test func workCancelledBeforeItStartsNeverRuns() async throws {
    let pool = ThreadPool(threads: 1)
    let release = DispatchSemaphore(value: 0)
    let started = Channel<Void>(capacity: 1)
    // Occupy the only thread until the test releases it.
    let blocker = Task {
      try await pool.run {
        _ = try? started.trySend(())
        release.wait()
        return "done"
      }
    }
    _ = try await started.receive()
    let ran = Lock.make(false)
    let waiting = Task { try await pool.run { ran.withLock { $0 = true } } }
    waiting.cancel()
    await #expect(throws: CancellationError.self) { try await waiting.value }
    release.signal()
    #expect(try await blocker.value == "done")
    // The thread is free now; work submitted after the cancelled one runs, the cancelled one
    // never does (it was ahead in the queue).
    #expect(try await pool.run { 1 } == 1)
    #expect(!ran.withLock { $0 })
  }

  @Test func workThatStartedRunsToItsEndAndItsResultComesBack() async throws {
    let pool = ThreadPool(threads: 1)
    let release = DispatchSemaphore(value: 0)
    let started = Channel<Void>(capacity: 1)
    let task = Task {
      try await pool.run {
        _ = try? started.trySend(())
        release.wait()
        return 7
      }
    }
    _ = try await started.receive()
    task.cancel()
    release.signal()
    #expect(try await task.value == 7)
  }
}
