/// One case of a waiting ``select(isolation:_:)``, as a ``SelectableSource`` holds it.
///
/// A source keeps the waiter while the select waits, and completes the case by claiming the
/// select (``claim()``) and then firing the claim with the value (``SelectClaim/fire(with:)``).
/// See ``SelectableSource`` for the rules.
///
/// Waiters compare by identity (`===`): that is how a source finds the one to deregister.
public final class SelectWaiter<Output: Sendable>: @unchecked Sendable {
  // @unchecked: `output` is written once, by the party that won the select's claim, before it
  // resumes the select (`SelectClaim.fire`), and read by the select only after it was resumed
  // through this case. `index` changes only when the owning select reuses the waiter, after its
  // source let go of it (see SelectCore). No one else touches them.
  @usableFromInline let core: SelectCore
  @usableFromInline var index: Int
  /// What the case received, for the select to take after it resumes.
  @usableFromInline var output: Output?

  @inlinable
  init(core: SelectCore, index: Int) {
    self.core = core
    self.index = index
  }

  /// Claims the select for this case.
  ///
  /// Call it while holding the lock that guards the value you are about to hand over, and take
  /// the value in the same critical section.
  ///
  /// - Returns: the claim, which you must fire exactly once after releasing your lock; or
  ///   `nil` if the select already fired through another case (or was cancelled or timed out):
  ///   drop this waiter and keep the value.
  @inlinable
  public func claim() -> SelectClaim<Output>? {
    guard case .won(let continuation) = core.claim() else { return nil }
    return SelectClaim(waiter: self, continuation: continuation!)
  }
}

/// A won claim on a waiting ``select(isolation:_:)``: the case it belongs to fires.
///
/// Fire it exactly once, with the value for the case's handler, after releasing the lock under
/// which you claimed it.
public struct SelectClaim<Output: Sendable>: Sendable {
  @usableFromInline let waiter: SelectWaiter<Output>
  @usableFromInline let continuation: UnsafeContinuation<Int, any Error>

  @inlinable
  init(waiter: SelectWaiter<Output>, continuation: UnsafeContinuation<Int, any Error>) {
    self.waiter = waiter
    self.continuation = continuation
  }

  /// Hands the case its value and resumes the select, which then runs the case's handler.
  @inlinable
  public func fire(with output: Output) {
    waiter.output = output
    continuation.resume(returning: waiter.index)
  }
}
