import struct StarlingChannels.Lock

/// The lock around a ``HandoffStateMachine`` and the continuations of the consumers waiting
/// on it.
///
/// Any number of tasks may wait on `next()` at once; each element goes to one of them.
final class Handoff<Element: Sendable>: Sendable {
  private typealias Waiter = UnsafeContinuation<Element?, any Error>

  private let state: Lock<(machine: HandoffStateMachine<Element, Waiter>, nextID: Int)>

  init(highWater: Int = .max, lowWater: Int = 0) {
    state = Lock.make((HandoffStateMachine(highWater: highWater, lowWater: lowWater), 0))
  }

  /// Adds an element; returns `true` when the producer should pause (the queue is full),
  /// and `false` too when the queue has ended and the element was dropped.
  @discardableResult
  func push(_ element: Element, weight: Int = 1) -> Bool {
    add(element, weight: weight) == .paused
  }

  /// Adds an element unless the queue has ended; `false` when it has (the element is not
  /// kept, and stays the caller's to dispose of).
  func pushIfOpen(_ element: Element, weight: Int = 1) -> Bool {
    add(element, weight: weight) != .dropped
  }

  private enum Added { case taken, paused, dropped }

  private func add(_ element: Element, weight: Int) -> Added {
    let action = state.withLock { $0.machine.push(element, weight: weight) }
    switch action {
    case .resume(let waiter, let element):
      waiter.resume(returning: element)
      return .taken
    case .queued(let pause): return pause ? .paused : .taken
    case .dropped: return .dropped
    }
  }

  /// Ends the queue: what is queued is still taken, then `next()` throws `failure`, or
  /// returns `nil` when there is none. Only the first call counts.
  func finish(_ failure: (any Error)? = nil) {
    let waiters = state.withLock { $0.machine.finish(failure) }
    for waiter in waiters {
      if let failure { waiter.resume(throwing: failure) } else { waiter.resume(returning: nil) }
    }
  }

  /// Whether the queue has ended.
  var isFinished: Bool { state.withLock { $0.machine.isFinished } }

  /// The next element, waiting for one when none is queued; `nil` once the queue has ended
  /// and is empty, or when the calling task is cancelled while it waits.
  ///
  /// - Parameters:
  ///   - resumeProducer: called (outside the lock) when this call took the queue back under
  ///     its low water mark after a push had paused the producer.
  ///   - firstDemand: called (outside the lock) the first time a consumer waits.
  func next(resumeProducer: () -> Void = {}, firstDemand: () -> Void = {}) async throws -> Element? {
    // The fast path: an element (or the end) is there already, and nothing suspends.
    let (first, id) = state.withLock { state in
      state.nextID += 1
      return (state.machine.next(), state.nextID)
    }
    switch first {
    case .element(let element, let resume):
      if resume { resumeProducer() }
      return element
    case .end(let failure):
      if let failure { throw failure }
      return nil
    case .wait(let first):
      if first { firstDemand() }
    }
    return try await withTaskCancellationHandler {
      try await withUnsafeThrowingContinuation { (continuation: Waiter) in
        let action = state.withLock { state in
          let action = state.machine.next()
          if case .wait = action, !state.machine.suspend(continuation, id: id) {
            return HandoffStateMachine<Element, Waiter>.NextAction.end(nil)
          }
          return action
        }
        switch action {
        case .element(let element, let resume):
          continuation.resume(returning: element)
          if resume { resumeProducer() }
        case .end(let failure):
          if let failure {
            continuation.resume(throwing: failure)
          } else {
            continuation.resume(returning: nil)
          }
        case .wait:
          break
        }
      }
    } onCancel: {
      state.withLock { $0.machine.cancel(id: id) }?.resume(returning: nil)
    }
  }
}
