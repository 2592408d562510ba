/// Waits on several channel operations at once and runs the handler of the one that fires.
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
/// long.
///
/// - Parameters:
///   - isolation: the caller's isolation; the handlers run in it.
///   - cases: the cases, one per line. Cases may be built in `if`, `switch` and `for`.
/// - Returns: what the handler of the fired case returns.
/// - Throws: `CancellationError` if the task is cancelled while the select waits (no case
///   fired); ``ChannelError/closed`` if a send case's channel is closed; whatever the fired
///   case's handler throws.
@inlinable
public func select<Result>(
  isolation: isolated (any Actor)? = #isolation,
  @SelectBuilder<Result> _ cases: () throws -> [SelectCase<Result>]
) async throws -> Result {
  var clauses: [any SelectClause<Result>] = []
  var timeout: (duration: Duration, handler: () async throws -> Result)?
  var otherwise: (() async throws -> Result)?
  for selectCase in try cases() {
    switch selectCase.kind {
    case .channel(let clause):
      // A case value may be reused from an earlier select, or listed twice in this one.
      guard !clauses.contains(where: { $0 === clause }) else { continue }
      clause.reset()
      clauses.append(clause)
    case .timeout(let duration, let handler):
      precondition(timeout == nil, "a select can have only one timeout case")
      timeout = (duration, handler)
    case .otherwise(let handler):
      precondition(otherwise == nil, "a select can have only one default case")
      otherwise = handler
    }
  }
  precondition(!clauses.isEmpty || timeout != nil || otherwise != nil, "a select needs at least one case")

  // Try every case once, in random order, without waiting.
  var order = Array(clauses.indices)
  SelectRandom.shuffle(&order)
  for index in order where try clauses[index].poll() {
    return try await clauses[index].finish()
  }
  if let otherwise {
    return try await otherwise()
  }

  // Nothing is ready: register every case and wait for the first to fire.
  let core = SelectCore()
  let timeoutIndex = clauses.count
  var timer: Task<Void, Never>?
  let fired: Int
  do {
    fired = try await withTaskCancellationHandler {
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Int, any Error>) in
        guard core.install(continuation) else {
          continuation.resume(throwing: CancellationError())
          return
        }
        for index in order where !clauses[index].register(core: core, index: index) {
          return  // fired while registering
        }
        if let duration = timeout?.duration {
          timer = Task {
            do { try await Task.sleep(for: duration) } catch { return }
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
    for clause in clauses { clause.deregister() }
    throw error
  }
  // Leave every channel before running a handler: a handler may select again, even with the
  // same case values.
  timer?.cancel()
  for clause in clauses { clause.deregister() }
  if fired == timeoutIndex, let timeout {
    return try await timeout.handler()
  }
  return try await clauses[fired].finish()
}

/// One case of a ``select(isolation:_:)``.
///
/// Build cases with ``onReceive(_:_:)``, ``onSend(_:to:_:)``, ``onTimeout(_:_:)`` and
/// ``onDefault(_:)`` inside the `select` block.
public struct SelectCase<Result> {
  @usableFromInline
  enum Kind {
    case channel(any SelectClause<Result>)
    case timeout(Duration, () async throws -> Result)
    case otherwise(() async throws -> Result)
  }

  @usableFromInline let kind: Kind

  @usableFromInline init(_ kind: Kind) {
    self.kind = kind
  }
}

/// A select case that receives from `channel`.
///
/// The handler gets the element, or `nil` if the channel is closed and drained.
@inlinable
public func onReceive<Element, Result>(
  _ channel: Channel<Element>, _ handler: @escaping (Element?) async throws -> Result
) -> SelectCase<Result> {
  SelectCase(.channel(ReceiveClause(channel: channel, handler: handler)))
}

/// A select case that sends `element` on `channel`.
///
/// If the case does not fire, the element is not sent. If the channel is closed, the select
/// throws ``ChannelError/closed``.
@inlinable
public func onSend<Element, Result>(
  _ element: Element, to channel: Channel<Element>, _ handler: @escaping () async throws -> Result
) -> SelectCase<Result> {
  SelectCase(.channel(SendClause(channel: channel, element: element, handler: handler)))
}

/// A select case that sends `element` on `channel`, with nothing to run when it fires.
@inlinable
public func onSend<Element>(_ element: Element, to channel: Channel<Element>) -> SelectCase<Void> {
  onSend(element, to: channel) {}
}

/// A select case that fires when no other case has fired within `duration`.
@inlinable
public func onTimeout<Result>(
  _ duration: Duration, _ handler: @escaping () async throws -> Result
) -> SelectCase<Result> {
  SelectCase(.timeout(duration, handler))
}

/// A select case that fires at once when no other case is ready: the select never waits.
@inlinable
public func onDefault<Result>(_ handler: @escaping () async throws -> Result) -> SelectCase<Result> {
  SelectCase(.otherwise(handler))
}

/// Builds the cases of a ``select(isolation:_:)``.
@resultBuilder
public enum SelectBuilder<Result> {
  /// One case.
  @inlinable
  public static func buildExpression(_ expression: SelectCase<Result>) -> [SelectCase<Result>] {
    [expression]
  }

  /// The first cases of a block.
  @inlinable
  public static func buildPartialBlock(first: [SelectCase<Result>]) -> [SelectCase<Result>] {
    first
  }

  /// The cases of a block so far, and the next ones.
  @inlinable
  public static func buildPartialBlock(
    accumulated: [SelectCase<Result>], next: [SelectCase<Result>]
  ) -> [SelectCase<Result>] {
    var all = accumulated
    all.append(contentsOf: next)
    return all
  }

  /// Cases inside an `if` without `else`.
  @inlinable
  public static func buildOptional(_ component: [SelectCase<Result>]?) -> [SelectCase<Result>] {
    component ?? []
  }

  /// Cases in the first branch of an `if`/`else` or `switch`.
  @inlinable
  public static func buildEither(first component: [SelectCase<Result>]) -> [SelectCase<Result>] {
    component
  }

  /// Cases in the second branch of an `if`/`else` or `switch`.
  @inlinable
  public static func buildEither(second component: [SelectCase<Result>]) -> [SelectCase<Result>] {
    component
  }

  /// Cases made in a `for` loop, such as one receive case per channel.
  @inlinable
  public static func buildArray(_ components: [[SelectCase<Result>]]) -> [SelectCase<Result>] {
    var all: [SelectCase<Result>] = []
    all.reserveCapacity(components.count)
    for component in components { all.append(contentsOf: component) }
    return all
  }
}
