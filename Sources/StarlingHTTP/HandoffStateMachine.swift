import DequeModule

/// A queue between a producer on an event loop and consumers in tasks: the elements waiting,
/// the consumers waiting, and whether the producer should pause. Free of locks and I/O: every
/// transition returns what the caller must do (resume a waiter, pause or resume the producer)
/// once it has released its lock.
///
/// Each element has a weight (bytes, or 1); the producer is told to pause when the weight
/// queued reaches `highWater`, and to resume when a consumer takes it back below `lowWater`.
struct HandoffStateMachine<Element: Sendable, Waiter> {
  /// What the producer learns from a push.
  enum PushAction {
    /// Hand the element to this waiting consumer.
    case resume(Waiter, Element)
    /// Queued; `pause` when the producer should stop reading.
    case queued(pause: Bool)
    /// The queue has ended: the element is dropped.
    case dropped
  }

  /// What a consumer learns when it asks for the next element.
  enum NextAction {
    /// This element; `resumeProducer` when the producer was paused and should read again.
    case element(Element, resumeProducer: Bool)
    /// The queue ended (with an error, or `nil` for a normal end).
    case end((any Error)?)
    /// Nothing yet: the caller suspends (``suspend(_:id:)``); `firstDemand` the first time a
    /// consumer waits.
    case wait(firstDemand: Bool)
  }

  let highWater: Int
  let lowWater: Int
  private var elements: Deque<(Element, weight: Int)> = []
  private var weight = 0
  private var waiters: Deque<(id: Int, waiter: Waiter)> = []
  /// Consumers that were cancelled before they suspended.
  private var cancelled: Set<Int> = []
  private var ending: (any Error)?? = .none
  private var producerPaused = false
  private var demanded = false

  init(highWater: Int = .max, lowWater: Int = 0) {
    self.highWater = highWater
    self.lowWater = lowWater
  }

  /// Whether the queue has ended (nothing more will be pushed).
  var isFinished: Bool { ending != nil }

  /// The producer adds an element.
  mutating func push(_ element: Element, weight elementWeight: Int = 1) -> PushAction {
    guard ending == nil else { return .dropped }
    if let first = waiters.popFirst() {
      return .resume(first.waiter, element)
    }
    elements.append((element, elementWeight))
    weight += elementWeight
    if weight >= highWater, !producerPaused {
      producerPaused = true
      return .queued(pause: true)
    }
    return .queued(pause: false)
  }

  /// Nothing more will be pushed; consumers take what is queued, then the end (`failure`,
  /// or `nil` for a normal end). Only the first call counts. Returns the waiters to resume
  /// with the end (there are waiters only when nothing is queued).
  mutating func finish(_ failure: (any Error)? = nil) -> [Waiter] {
    guard ending == nil else { return [] }
    ending = .some(failure)
    defer { waiters.removeAll() }
    return waiters.map(\.waiter)
  }

  /// A consumer asks for the next element.
  mutating func next() -> NextAction {
    if let (element, elementWeight) = elements.popFirst() {
      weight -= elementWeight
      var resume = false
      if producerPaused, weight <= lowWater, ending == nil {
        producerPaused = false
        resume = true
      }
      return .element(element, resumeProducer: resume)
    }
    if let ending { return .end(ending) }
    defer { demanded = true }
    return .wait(firstDemand: !demanded)
  }

  /// The consumer `id` waits (after ``next()`` said `.wait`); returns `false` when it was
  /// cancelled meanwhile and must not wait.
  mutating func suspend(_ waiter: Waiter, id: Int) -> Bool {
    if cancelled.remove(id) != nil { return false }
    waiters.append((id, waiter))
    return true
  }

  /// The consumer `id` was cancelled: its waiter, if it was waiting, to resume with the end.
  mutating func cancel(id: Int) -> Waiter? {
    if let index = waiters.firstIndex(where: { $0.id == id }) {
      return waiters.remove(at: index).waiter
    }
    cancelled.insert(id)
    return nil
  }
}

extension HandoffStateMachine.PushAction: Sendable where Waiter: Sendable {}
extension HandoffStateMachine.NextAction: Sendable where Waiter: Sendable {}
