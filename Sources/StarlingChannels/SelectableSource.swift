/// Something a ``select(isolation:_:)`` can wait on besides a ``Channel``: a source of values
/// that one waiting party at a time takes, such as a socket's receive or a
/// ``BroadcastSubscription``.
///
/// `select` gives every source the same guarantee it gives channels: exactly one case fires,
/// and the sources of the other cases give nothing away. A source keeps that promise by taking
/// part in the select's protocol through three calls:
///
/// 1. ``selectTryTake()``: `select` first asks every case, in random order, whether it has
///    something *now*. Take it and return it, or return `nil` without changing anything.
/// 2. ``selectRegister(_:)``: when nothing was ready, `select` registers a ``SelectWaiter``
///    with every source and suspends. Keep the waiter (typically in the queue where you keep
///    waiting receivers). When a value is there for it, *under the lock that guards your
///    values*, call ``SelectWaiter/claim()``: if it returns a ``SelectClaim``, the select is
///    yours: remove the value and the waiter, release the lock, then call
///    ``SelectClaim/fire(with:)``. If it returns `nil`, the select already fired through
///    another case: drop the waiter, keep the value, and look for the next taker. If a value is
///    already there when the waiter registers, claim it at once in the same way.
/// 3. ``selectDeregister(_:)``: after the select fired, it deregisters every waiter it
///    registered (the one that fired too). Remove the waiter if you still hold it.
///
/// ```swift
/// /// Letters posted to a mailbox; a `select` can wait for the next one.
/// final class Mailbox: SelectableSource, @unchecked Sendable {
///   // @unchecked: `letters` and `waiters` are only touched while `lock` is held.
///   private let lock = NSLock()
///   private var letters: [String] = []
///   private var waiters: [SelectWaiter<String>] = []
///
///   /// Hands the letter to a waiting select, or keeps it.
///   func post(_ letter: String) {
///     lock.lock()
///     var claim: SelectClaim<String>?
///     while claim == nil, !waiters.isEmpty {
///       claim = waiters.removeFirst().claim()  // nil: that select fired elsewhere
///     }
///     if claim == nil { letters.append(letter) }
///     lock.unlock()
///     claim?.fire(with: letter)  // after the lock
///   }
///
///   func selectTryTake() -> String? {
///     lock.lock()
///     defer { lock.unlock() }
///     return letters.isEmpty ? nil : letters.removeFirst()
///   }
///
///   func selectRegister(_ waiter: SelectWaiter<String>) {
///     lock.lock()
///     guard !letters.isEmpty else {
///       waiters.append(waiter)
///       lock.unlock()
///       return
///     }
///     let claim = waiter.claim()  // nil: the select fired through another case
///     let letter = claim == nil ? nil : letters.removeFirst()
///     lock.unlock()
///     if let claim, let letter { claim.fire(with: letter) }
///   }
///
///   func selectDeregister(_ waiter: SelectWaiter<String>) {
///     lock.lock()
///     waiters.removeAll { $0 === waiter }
///     lock.unlock()
///   }
/// }
/// ```
///
/// Then `onReceive(mailbox) { letter in … }` is a case like any other. The rules that keep the
/// guarantee:
///
/// - Claim only under the lock that guards your values, and take the value in the same
///   critical section: no other taker may get it in between. A claim takes only the select's
///   own lock, never yours, so there is no lock-order cycle.
/// - Fire a claim exactly once, after releasing your lock. Firing resumes the waiting task.
/// - Never fire a waiter you did not claim, and never call back into `select` from these
///   methods. They must not wait: no `await`, no blocking I/O.
/// - ``selectTryTake()`` and a claim are the only ways a value leaves for a select: a value
///   offered to a waiter whose claim failed stays yours.
///
/// ``Channel``, ``ReceiveChannel`` and ``BroadcastSubscription`` adopt this protocol. The
/// article <doc:SelectingOnOtherSources> walks through an adoption step by step.
public protocol SelectableSource<Output>: Sendable {
  /// What a fired case hands its handler: for a channel, an element or `nil` for "closed".
  associatedtype Output: Sendable

  /// Takes a value if one is ready now, without waiting and without registering anything.
  ///
  /// - Returns: the value, or `nil` if none is ready (then nothing changed).
  func selectTryTake() -> Output?

  /// Registers a waiting select's case: claim and fire it at once if a value is ready, or keep
  /// the waiter until one is (or until ``selectDeregister(_:)``).
  func selectRegister(_ waiter: SelectWaiter<Output>)

  /// Removes a waiter that ``selectRegister(_:)`` kept, if it is still kept.
  ///
  /// Called once for every registered waiter after its select fired, whichever case fired.
  func selectDeregister(_ waiter: SelectWaiter<Output>)
}

/// A source of this library that lets go of a waiter for good when the select deregisters it
/// (it claims waiters only while holding them, under its lock), so that the select may keep the
/// waiter for its next wait. Channels and what is built on them adopt it; other modules' sources
/// get fresh waiters.
@usableFromInline
protocol WaiterRecyclingSource: SelectableSource {}

extension Channel: WaiterRecyclingSource {}
extension ReceiveChannel: WaiterRecyclingSource {}
extension BroadcastSubscription: WaiterRecyclingSource {}
