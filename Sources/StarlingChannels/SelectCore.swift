import Synchronization

/// The shared heart of one `select` call: it decides which case fires.
///
/// Every case of a select registers on its channel with a reference to the same core. Whoever
/// completes a case first (a sender, a receiver, `close()`, the timeout or cancellation) must
/// *claim* the core; only one claim ever succeeds, and the winner resumes the waiting task.
/// Claims happen while the claimer holds its channel's lock, never the other way round, so
/// channel locks are always taken before core locks and there is no lock-order cycle.
@usableFromInline
final class SelectCore: Sendable {
  @usableFromInline
  struct State {
    @usableFromInline var fired = false
    @usableFromInline var continuation: UnsafeContinuation<Int, any Error>?

    @inlinable init() {}
  }

  @usableFromInline let state = Lock.make(State())

  @inlinable init() {}

  /// Installs the continuation of the waiting task.
  ///
  /// Returns `false` when the select was cancelled before the continuation existed.
  @inlinable
  func install(_ continuation: UnsafeContinuation<Int, any Error>) -> Bool {
    state.withLock { state in
      if state.fired { return false }
      state.continuation = continuation
      return true
    }
  }

  /// Claims the core. On success the caller owns the continuation and must resume it.
  ///
  /// A successful claim returns the continuation, or `nil` if it was not installed yet (only
  /// cancellation can claim that early). An unsuccessful claim returns `.none` as `lost`.
  @inlinable
  func claim() -> Claim {
    state.withLock { state in
      if state.fired { return .lost }
      state.fired = true
      return .won(state.continuation)
    }
  }

  /// Whether the select has fired (or been cancelled).
  @inlinable
  var hasFired: Bool {
    state.withLock { $0.fired }
  }

  /// The outcome of a claim.
  @usableFromInline
  enum Claim {
    case won(UnsafeContinuation<Int, any Error>?)
    case lost
  }

  /// The outcome of claiming two cores at once.
  @usableFromInline
  enum PairClaim {
    /// Both were pending and both are now fired.
    case both(ours: UnsafeContinuation<Int, any Error>?, theirs: UnsafeContinuation<Int, any Error>?)
    /// Our own select already fired elsewhere: stop.
    case oursLost
    /// The other select already fired: its waiter is dead.
    case theirsLost
  }

  /// Claims `ours` and `theirs` together, or neither.
  ///
  /// Used when one select meets another select's waiter while it registers. The two locks are
  /// taken in address order, so two selects meeting from both sides cannot deadlock.
  // Not inlinable: inlined into ChannelStateMachine.registerReceive's loop, the two nested
  // locks crash the Swift 6.3 optimizer (LoopInvariantCodeMotion) in release builds.
  @usableFromInline @inline(never)
  static func claimPair(ours: SelectCore, theirs: SelectCore) -> PairClaim {
    let oursFirst = ObjectIdentifier(ours) < ObjectIdentifier(theirs)
    let first = oursFirst ? ours : theirs
    let second = oursFirst ? theirs : ours
    return first.state.withLock { firstState in
      second.state.withLock { secondState in
        let oursFired = oursFirst ? firstState.fired : secondState.fired
        if oursFired { return .oursLost }
        let theirsFired = oursFirst ? secondState.fired : firstState.fired
        if theirsFired { return .theirsLost }
        firstState.fired = true
        secondState.fired = true
        return oursFirst
          ? .both(ours: firstState.continuation, theirs: secondState.continuation)
          : .both(ours: secondState.continuation, theirs: firstState.continuation)
      }
    }
  }
}

/// A select's send case, as a channel's waiting-sender queue holds it.
@usableFromInline
final class SelectSendSlot<Element: Sendable>: Sendable {
  @usableFromInline let core: SelectCore
  @usableFromInline let index: Int
  @usableFromInline let element: Element

  @inlinable init(core: SelectCore, index: Int, element: Element) {
    self.core = core
    self.index = index
    self.element = element
  }
}
