import Synchronization

/// A task waiting in a channel's queue to send or to receive: the place its counterpart puts
/// the outcome.
///
/// The waiter first *spins* (``spin()``): it watches its state for a short while before it
/// suspends. A counterpart running on another thread usually completes it within that time,
/// and then nothing is suspended and nothing is resumed: no trip through the executor, which
/// is most of what a hand-over costs. Only when the spin runs out does the waiter *park*
/// (``park()``): it installs a continuation and suspends, and the counterpart resumes it. Go
/// does the same hand-over with a goroutine's `sudog`; its scheduler runs the woken goroutine
/// next on the same thread, which Swift's default executor cannot, so the spin stands in for it.
///
/// Exactly one party completes a waiter: whoever removes it from the channel's queue under the
/// channel's lock (a counterpart, `close()`, or the cancellation handler). ``complete(_:)`` and
/// ``park()`` race only on `state`:
///
/// | `state` | meaning |
/// |---|---|
/// | `waiting` | spinning, or about to park: no continuation yet |
/// | `parked` | `continuation` is set and the task is suspended (or about to be) |
/// | `completed` | `outcome` is set; the waiter reads it (or was resumed with it) |
///
/// `complete` writes `outcome`, then swaps in `completed`: if it found `parked`, it resumes
/// the continuation. `park` writes `continuation`, then moves `waiting` to `parked`; if the
/// state was already `completed`, it resumes itself with the outcome.
@usableFromInline
final class ChannelWaiter<Value: Sendable>: @unchecked Sendable {
  // @unchecked: `outcome` is written once by the completing party before the release in
  // `complete`, and read by the waiter only after it acquired `completed`; `continuation` is
  // written by the waiter before the release that publishes `parked`, and read by the
  // completing party only after it acquired `parked`. See the type's documentation.
  @usableFromInline static var waiting: Int { 0 }
  @usableFromInline static var parked: Int { 1 }
  @usableFromInline static var completed: Int { 2 }

  /// How many times ``spin()`` looks at the state before the waiter parks: a few microseconds,
  /// about what suspending and resuming a task costs.
  @usableFromInline static var spinLimit: Int { 4_000 }

  @usableFromInline let state = Atomic<Int>(ChannelWaiter.waiting)
  @usableFromInline var outcome: Result<Value, any Error>?
  @usableFromInline var continuation: UnsafeContinuation<Value, any Error>?

  @inlinable init() {}

  /// Completes the waiter with its outcome: the element received, the send done, or an error.
  ///
  /// Called exactly once, by the party that removed the waiter from its queue, after that
  /// party released the channel's lock.
  @inlinable
  func complete(_ result: Result<Value, any Error>) {
    outcome = result
    if state.exchange(Self.completed, ordering: .acquiringAndReleasing) == Self.parked {
      continuation!.resume(with: result)
    }
    // Otherwise the waiter is still spinning (or about to park) and takes `outcome` itself.
  }

  /// Watches for the outcome for a short while without suspending.
  ///
  /// - Returns: the outcome, or `nil` if it did not come in time (then call ``park()``).
  @inlinable
  func spin() -> Result<Value, any Error>? {
    for _ in 0..<Self.spinLimit where state.load(ordering: .acquiring) == Self.completed {
      return outcome
    }
    return nil
  }

  /// Suspends until the waiter is completed, and returns (or throws) its outcome.
  @inlinable
  func park() async throws -> Value {
    try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Value, any Error>) in
      self.continuation = continuation
      let (parked, _) = state.compareExchange(
        expected: Self.waiting, desired: Self.parked, successOrdering: .acquiringAndReleasing,
        failureOrdering: .acquiring)
      if !parked {
        continuation.resume(with: outcome!)  // completed while it was parking
      }
    }
  }

  /// The outcome: at once if the counterpart completes the waiter while it spins, otherwise
  /// after parking.
  @inlinable
  func wait() async throws -> Value {
    if let outcome = spin() {
      return try outcome.get()
    }
    return try await park()
  }
}
