/// Waits on several channel operations (and other ``SelectableSource``s) at once and runs the
/// handler of the one that fires.
///
/// ```swift
/// let outcome = try await select {
///   onReceive(jobs) { job in "got \(job ?? -1)" }
///   onSend(42, to: results) { "sent" }
///   onTimeout(.seconds(1)) { "timed out" }
/// }
/// ```
///
/// Exactly one case fires. When several are ready at once, one is picked at random, so no
/// case starves. The cases that lose take and give nothing: no element is received from their
/// channel, and none is sent. A ``onReceive(_:_:)`` case on a closed, drained
/// channel is ready and hands its handler `nil`.
///
/// With a ``onDefault(_:)`` case the select never waits: if no other case is
/// ready, the default case runs. With a ``onTimeout(_:_:)`` case it waits at most that
/// long (``onTimeout(_:clock:_:)`` measures it on a clock of your choosing, such as a
/// ``ManualClock`` in tests).
///
/// The block builds its cases as one value of a nested generic type (as SwiftUI builds views),
/// so the compiler specializes the whole select for its cases: a select whose case is ready at
/// once allocates nothing. A select that has to wait reuses what its earlier waits registered
/// with channels (as Go reuses its `sudog`s), so once warm its receive cases allocate nothing
/// either. What still allocates: a send case that waits (its slot holds the element), a receive
/// case on another module's ``SelectableSource`` (one waiter per wait), cases made in a `for`
/// loop (their array), and a timeout case (its timer task).
///
/// - Parameters:
///   - isolation: the caller's isolation; the handlers run in it.
///   - cases: the cases, one per line. Cases may be built in `if`, `switch` and `for`.
/// - Returns: what the handler of the fired case returns.
/// - Throws: `CancellationError` if the task is cancelled while the select waits (no case
///   fired); ``ChannelError/closed`` if a send case's channel is closed; whatever the fired
///   case's handler throws.
@inlinable
public func select<Result, Cases: SelectCaseList<Result>>(
  isolation: isolated (any Actor)? = #isolation,
  @SelectBuilder<Result> _ cases: () throws -> Cases
) async throws -> Result {
  let cases = try cases()
  let count = cases._count
  let otherwise = cases._default
  precondition(count > 0 || cases._timeout != nil || otherwise != nil, "a select needs at least one case")

  // Try every case once, in random order, without waiting.
  let order = SelectOrder(count: count)
  for position in 0..<count {
    if let result = try await cases._poll(order[position]) {
      return result
    }
  }
  if let otherwise {
    return try await otherwise()
  }
  return try await selectWaiting(cases, order: order)
}

/// The second half of ``select(isolation:_:)``: nothing was ready, so register every case and
/// wait for the first to fire.
@inlinable
func selectWaiting<Cases: SelectCaseList>(
  isolation: isolated (any Actor)? = #isolation, _ cases: Cases, order: SelectOrder
) async throws -> Cases.Result {
  let count = cases._count
  let core = SelectCore.make()
  let timeoutIndex = count
  let timeout = cases._timeout
  var registrations = SelectRegistrations(count: count)
  var timer: Task<Void, Never>?
  let fired: Int
  do {
    fired = try await withTaskCancellationHandler {
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Int, any Error>) in
        guard core.install(continuation) else {
          continuation.resume(throwing: CancellationError())
          return
        }
        for position in 0..<count {
          let index = order[position]
          registrations[index] = cases._register(index, SelectContext(core: core, index: index))
          if core.hasFired { return }  // fired while registering: register no more
        }
        if let timeout {
          let (duration, clock) = (timeout.duration, timeout.clock)
          timer = Task {
            do { try await clock.sleep(for: duration) } catch { return }
            if case .won(let continuation) = core.claim() {
              continuation?.resume(returning: timeoutIndex)
            }
          }
        }
      }
    } onCancel: {
      if case .won(let continuation) = core.claim() {
        continuation?.resume(throwing: CancellationError())
      }
    }
  } catch {
    timer?.cancel()
    registrations.deregister(cases, except: nil)
    if timer == nil { core.recycle() }
    throw error
  }
  // Leave every source before running a handler: a handler may select again, even with the
  // same case values. The fired case leaves its source when it has taken what it received.
  timer?.cancel()
  registrations.deregister(cases, except: fired)
  // A timer task may still hold the core: such a core is left to the timer, not reused.
  defer { if timer == nil { core.recycle() } }
  if fired == timeoutIndex, let timeout {
    return try await timeout.handler()
  }
  return try await cases._finish(fired, registrations[fired]!)
}
