import Synchronization

/// The shared heart of one `select` call: it decides which case fires.
///
/// Every case of a select registers on its channel with a reference to the same core. Whoever
/// completes a case first (a sender, a receiver, `close()`, the timeout or cancellation) must
/// *claim* the core; only one claim ever succeeds, and the winner resumes the waiting task.
/// Claims happen while the claimer holds its channel's lock, never the other way round, so
/// channel locks are always taken before core locks and there is no lock-order cycle.
///
/// Cores are reused, as Go reuses its `sudog`s: a select takes one from a pool (``make()``),
/// and gives it back (``recycle()``) after it has left every source, together with the receive
/// waiters it registered with channels (``keep(_:)``, ``reuse(_:)``). So a warm select that
/// waits on receives allocates nothing. (Send slots are not kept: they would keep their
/// element alive in the pool.) This is sound because nothing outside the select refers
/// to a core or a waiter once the select has left its sources: sources claim waiters only while
/// they hold them, under their lock, and drop them when the select deregisters (also under
/// their lock); the cancellation handler has returned; and a core whose timeout task might
/// still run is never recycled.
@usableFromInline
final class SelectCore: @unchecked Sendable {
  // @unchecked: `state` is behind its lock. `kept` is touched only by the select that owns the
  // core, between taking it from the pool and recycling it, never by a source.
  @usableFromInline
  struct State {
    @usableFromInline var fired = false
    @usableFromInline var continuation: UnsafeContinuation<Int, any Error>?

    @inlinable init() {}
  }

  @usableFromInline let state = Lock.make(State())

  /// Receive waiters of earlier selects, for the next select to reuse.
  @usableFromInline var kept: [AnyObject] = []

  @inlinable init() {}

  /// Cores of finished selects.
  @usableFromInline static let pool = Lock.make([SelectCore]())

  /// How many cores the pool keeps at most.
  @usableFromInline static var poolLimit: Int { 64 }

  /// A core from the pool, or a new one.
  @inlinable
  static func make() -> SelectCore {
    pool.withLock { $0.popLast() } ?? SelectCore()
  }

  /// Gives the core back to the pool, for the next select. Call it only when no source, timer
  /// or cancellation handler can refer to the core any more.
  @inlinable
  func recycle() {
    state.withLock { $0 = State() }
    Self.pool.withLock { pool in
      if pool.count < Self.poolLimit { pool.append(self) }
    }
  }

  /// Keeps a receive waiter that has left its channel (and holds no output), for ``reuse(_:)``.
  @inlinable
  func keep(_ registration: AnyObject) {
    if kept.count < 16 { kept.append(registration) }
  }

  /// A kept object of exactly `type`, removed from the kept ones, or `nil`.
  @inlinable
  func reuse<Kept: AnyObject>(_ type: Kept.Type) -> Kept? {
    guard
      let index = kept.firstIndex(where: { ObjectIdentifier(Swift.type(of: $0)) == ObjectIdentifier(type) })
    else { return nil }
    return unsafeDowncast(kept.remove(at: index), to: type)
  }

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
