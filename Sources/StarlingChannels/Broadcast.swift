import DequeModule
import Synchronization

/// What a ``Broadcast`` does with an element for a subscriber whose buffer is full.
///
/// Every subscription has its own buffer (``Broadcast/subscribe(bufferSize:overflow:)``'s
/// `bufferSize`) and its own policy, so a subscriber that falls behind never costs another
/// subscriber an element. The policy decides who pays for it:
///
/// | policy | the sender | the slow subscriber |
/// |---|---|---|
/// | ``wait`` | waits until the subscriber has room | loses nothing |
/// | ``dropOldest`` | never waits | loses its oldest buffered element, keeps the newest |
/// | ``dropNewest`` | never waits | loses the new element, keeps the oldest |
///
/// Every element a subscriber loses is counted in its ``BroadcastSubscription/dropped``.
public enum BroadcastOverflow: Sendable, Hashable {
  /// The sender waits (backpressure): ``Broadcast/send(_:)`` does not return until the
  /// subscriber has room for the element. The subscriber loses nothing, but it sets the pace
  /// for every send, and so for every other subscriber.
  case wait

  /// The subscriber's oldest buffered element is discarded to make room for the new one: a
  /// subscriber that falls behind keeps the `bufferSize` most recent elements. The sender never
  /// waits.
  case dropOldest

  /// The new element is discarded for this subscriber: a subscriber that falls behind keeps the
  /// `bufferSize` oldest elements it has not received yet, and misses what came after them.
  /// The sender never waits.
  case dropNewest
}

/// Sends each element to every current subscriber.
///
/// Each ``subscribe(bufferSize:overflow:)`` call makes a ``BroadcastSubscription``: a stream
/// with its own bounded buffer and its own ``BroadcastOverflow`` policy. ``send(_:)`` delivers
/// the element to every subscription that exists when the send starts; a subscriber that joins
/// later does not see earlier elements.
///
/// ```swift
/// let prices = Broadcast<Double>()
/// let chart = prices.subscribe(bufferSize: 64, overflow: .dropOldest)
/// let ledger = prices.subscribe(bufferSize: 16, overflow: .wait)
/// Task {
///   for await price in chart { print("chart", price) }
/// }
/// try await prices.send(101.5)
/// prices.close()  // both subscriptions drain their buffers, then end
/// ```
///
/// Sends are served one at a time, in the order they arrive, so every subscriber sees the
/// elements in the same order, even with several sending tasks. A send waits only for
/// ``BroadcastOverflow/wait`` subscribers whose buffer is full; while it waits, the next send
/// waits for it.
///
/// Dropping the last reference to a broadcast closes it.
public final class Broadcast<Element: Sendable>: Sendable {
  let core = BroadcastCore<Element>()

  /// Creates a broadcast with no subscribers.
  public init() {}

  deinit {
    core.close()
  }

  /// Subscribes to the elements sent from now on.
  ///
  /// If the broadcast is already closed, the subscription is already ended: receiving from it
  /// gives `nil`.
  ///
  /// - Parameters:
  ///   - bufferSize: how many elements the subscription buffers before its overflow policy
  ///     applies. 0 is allowed only with ``BroadcastOverflow/wait``, and makes every send wait
  ///     until this subscriber receives the element.
  ///   - overflow: what a send does when this subscription's buffer is full; see
  ///     ``BroadcastOverflow``.
  /// - Returns: the subscription. Keep it: it is cancelled when it is deallocated.
  public func subscribe(
    bufferSize: Int = 16, overflow: BroadcastOverflow = .dropOldest
  ) -> BroadcastSubscription<Element> {
    precondition(bufferSize >= 0, "a subscription's buffer size cannot be negative")
    precondition(
      bufferSize > 0 || overflow == .wait, "a subscription that drops elements needs a buffer of at least 1")
    let subscriber = BroadcastSubscriber<Element>(
      channel: Channel(capacity: bufferSize), overflow: overflow)
    if !core.add(subscriber) {
      subscriber.channel.close()
    }
    return BroadcastSubscription(subscriber: subscriber, core: core)
  }

  /// Sends an element to every current subscriber.
  ///
  /// A ``BroadcastOverflow/dropOldest`` or ``BroadcastOverflow/dropNewest`` subscriber whose
  /// buffer is full loses an element (counted in its ``BroadcastSubscription/dropped``); for a
  /// ``BroadcastOverflow/wait`` subscriber whose buffer is full, the send waits until it has
  /// room. A send also waits while an earlier send is still waiting.
  ///
  /// - Throws: ``ChannelError/closed`` if the broadcast is closed before the send starts, or
  ///   while it waits for a subscriber; `CancellationError` if the task is cancelled while it
  ///   waits. If the send was waiting for a subscriber, the subscribers served before it keep
  ///   the element and the others do not get it.
  public func send(_ element: Element) async throws {
    let subscribers = try await core.acquireTurn()
    defer { core.releaseTurn() }
    var full: [BroadcastSubscriber<Element>] = []
    for subscriber in subscribers where !subscriber.offer(element) {
      full.append(subscriber)
    }
    for subscriber in full {
      do {
        try await subscriber.channel.send(element)
      } catch ChannelError.closed {
        // The subscription was cancelled while the send waited (skip it), or the broadcast
        // was closed.
        if core.isClosed { throw ChannelError.closed }
      }
    }
  }

  /// Closes the broadcast.
  ///
  /// Every subscription first drains what it has buffered, then ends. Sends waiting for their
  /// turn or for a subscriber fail with ``ChannelError/closed``, and so does every later send.
  /// Closing a closed broadcast does nothing.
  public func close() {
    core.close()
  }

  /// Whether the broadcast has been closed.
  public var isClosed: Bool {
    core.isClosed
  }

  /// How many subscriptions receive the elements sent now.
  ///
  /// Cancelled subscriptions are not counted, and a closed broadcast has no subscribers.
  public var subscriberCount: Int {
    core.state.withLock { $0.subscribers.count }
  }
}

/// One subscriber as the broadcast holds it: its channel and its policy.
///
/// The broadcast holds this, not the ``BroadcastSubscription``, so that dropping the
/// subscription cancels it.
final class BroadcastSubscriber<Element: Sendable>: Sendable {
  let channel: Channel<Element>
  let overflow: BroadcastOverflow
  let dropped = Atomic<Int>(0)

  init(channel: Channel<Element>, overflow: BroadcastOverflow) {
    self.channel = channel
    self.overflow = overflow
  }

  /// Offers an element without waiting, applying the overflow policy.
  ///
  /// Returns `false` only for a ``BroadcastOverflow/wait`` subscriber whose buffer is full: the
  /// sender must then wait for it. A closed (cancelled) subscriber takes nothing and returns
  /// `true`.
  func offer(_ element: Element) -> Bool {
    switch overflow {
    case .wait:
      switch channel.state.withLock({ $0.trySend(element) }) {
      case .sent(let wake):
        wake.run()
        return true
      case .full:
        return false
      case .closed:
        return true
      }
    case .dropNewest:
      switch channel.state.withLock({ $0.trySend(element) }) {
      case .sent(let wake):
        wake.run()
      case .full:
        dropped.add(1, ordering: .relaxed)
      case .closed:
        break
      }
      return true
    case .dropOldest:
      let (attempt, discarded) = channel.state.withLock { $0.sendDroppingOldest(element) }
      switch attempt {
      case .sent(let wake):
        wake.run()
      case .full:
        dropped.add(1, ordering: .relaxed)  // no buffer at all: the new element is lost
      case .closed:
        break
      }
      if discarded != nil {
        dropped.add(1, ordering: .relaxed)
      }
      return true
    }
  }
}

/// The state a broadcast shares with its subscriptions.
///
/// Subscriptions hold the core rather than the ``Broadcast``, so that the broadcast can close
/// itself when it is deallocated.
final class BroadcastCore<Element: Sendable>: Sendable {
  /// A send waiting for its turn, with the identifier cancellation removes it by.
  typealias WaitingSend = (id: UInt64, continuation: UnsafeContinuation<Void, any Error>)

  struct State {
    /// The current subscribers, in the order they subscribed.
    var subscribers: [BroadcastSubscriber<Element>] = []
    var isClosed = false
    /// Whether a send holds the turn.
    var isSending = false
    /// Sends waiting for the turn, first come first served.
    var waitingSenders: Deque<WaitingSend> = []
    var nextID: UInt64 = 0
  }

  /// What a send waiting for its turn found.
  enum TurnAttempt {
    case acquired
    case waiting
    case closed
    case cancelled
  }

  let state = Lock.make(State())

  var isClosed: Bool {
    state.withLock { $0.isClosed }
  }

  /// How many sends wait for their turn (for tests).
  var waitingSendCount: Int {
    state.withLock { $0.waitingSenders.count }
  }

  /// Adds a subscriber; `false` if the broadcast is closed.
  func add(_ subscriber: BroadcastSubscriber<Element>) -> Bool {
    state.withLock { state in
      guard !state.isClosed else { return false }
      state.subscribers.append(subscriber)
      return true
    }
  }

  /// Removes a subscriber, if it is still subscribed.
  func remove(_ subscriber: BroadcastSubscriber<Element>) {
    state.withLock { state in
      if let index = state.subscribers.firstIndex(where: { $0 === subscriber }) {
        state.subscribers.remove(at: index)
      }
    }
  }

  /// Waits for the turn to send, then returns the subscribers to send to.
  ///
  /// On success the caller holds the turn and must call ``releaseTurn()``.
  func acquireTurn() async throws -> [BroadcastSubscriber<Element>] {
    let fast: Result<[BroadcastSubscriber<Element>], ChannelError>? = state.withLock { state in
      if state.isClosed { return .failure(.closed) }
      guard !state.isSending else { return nil }
      state.isSending = true
      return .success(state.subscribers)
    }
    if let fast {
      return try fast.get()
    }
    try await waitForTurn()
    let subscribers = state.withLock { $0.isClosed ? nil : $0.subscribers }
    guard let subscribers else {
      releaseTurn()
      throw ChannelError.closed
    }
    return subscribers
  }

  private func waitForTurn() async throws {
    let id = state.withLock { state in
      defer { state.nextID &+= 1 }
      return state.nextID
    }
    try await withTaskCancellationHandler {
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
        let attempt: TurnAttempt = state.withLock { state in
          if state.isClosed { return .closed }
          if !state.isSending {
            state.isSending = true
            return .acquired
          }
          if Task.isCancelled { return .cancelled }
          state.waitingSenders.append((id, continuation))
          return .waiting
        }
        switch attempt {
        case .waiting:
          break  // the send before it, close() or cancellation resumes it
        case .acquired:
          continuation.resume()
        case .closed:
          continuation.resume(throwing: ChannelError.closed)
        case .cancelled:
          continuation.resume(throwing: CancellationError())
        }
      }
    } onCancel: {
      let continuation = state.withLock { state -> UnsafeContinuation<Void, any Error>? in
        guard let index = state.waitingSenders.firstIndex(where: { $0.id == id }) else { return nil }
        return state.waitingSenders.remove(at: index).continuation
      }
      continuation?.resume(throwing: CancellationError())
    }
  }

  /// Passes the turn to the next waiting send, if any.
  func releaseTurn() {
    let next = state.withLock { state in
      guard let next = state.waitingSenders.popFirst() else {
        state.isSending = false
        return UnsafeContinuation<Void, any Error>?.none
      }
      return next.continuation  // the turn passes on: `isSending` stays true
    }
    next?.resume()
  }

  /// Closes the broadcast: fails the waiting sends and closes every subscription.
  func close() {
    let (subscribers, waitingSenders) = state.withLock { state in
      guard !state.isClosed else {
        return ([BroadcastSubscriber<Element>](), Deque<WaitingSend>())
      }
      state.isClosed = true
      defer {
        state.subscribers = []
        state.waitingSenders = []
      }
      return (state.subscribers, state.waitingSenders)
    }
    for waiting in waitingSenders {
      waiting.continuation.resume(throwing: ChannelError.closed)
    }
    for subscriber in subscribers {
      subscriber.channel.close()
    }
  }
}

/// One subscriber's stream of a ``Broadcast``'s elements.
///
/// Receive with ``receive()``, iterate with `for await`, or wait on it in a
/// ``select(isolation:_:)`` with `onReceive(subscription) { element in … }`. The subscription buffers up to its
/// ``bufferSize`` elements; what happens when that buffer is full is its ``overflow`` policy,
/// and what it lost to that policy is counted in ``dropped``.
///
/// The subscription ends (receiving gives `nil`) when the broadcast is closed and the buffer
/// drained, or at once when the subscription is cancelled with ``cancel()``. A subscription is
/// cancelled when it is deallocated, so keep it for as long as you receive from it.
public final class BroadcastSubscription<Element: Sendable>: Sendable {
  let subscriber: BroadcastSubscriber<Element>
  let core: BroadcastCore<Element>

  init(subscriber: BroadcastSubscriber<Element>, core: BroadcastCore<Element>) {
    self.subscriber = subscriber
    self.core = core
  }

  deinit {
    cancel()
  }

  /// How many elements the subscription buffers before its overflow policy applies.
  public var bufferSize: Int {
    subscriber.channel.capacity
  }

  /// What a send does when this subscription's buffer is full.
  public var overflow: BroadcastOverflow {
    subscriber.overflow
  }

  /// How many elements this subscription has lost to its overflow policy.
  ///
  /// Always 0 for a ``BroadcastOverflow/wait`` subscription. Elements discarded by
  /// ``cancel()`` are not counted.
  public var dropped: Int {
    subscriber.dropped.load(ordering: .relaxed)
  }

  /// Receives the next element, waiting until one is available.
  ///
  /// - Returns: the element, or `nil` once the subscription has ended: the broadcast was closed
  ///   and the buffer is drained, or the subscription was cancelled.
  /// - Throws: `CancellationError` if the task is cancelled while it waits; nothing was taken.
  public func receive() async throws -> Element? {
    try await subscriber.channel.receive()
  }

  /// Cancels the subscription: the broadcast stops sending to it.
  ///
  /// Elements still buffered are discarded, and receiving gives `nil` from now on. A send
  /// waiting for this subscriber's room stops waiting for it. Cancelling twice does nothing.
  public func cancel() {
    core.remove(subscriber)
    subscriber.channel.closeDiscardingBuffer()
  }

  /// Whether the subscription has ended for new elements: it was cancelled or the broadcast
  /// was closed. Buffered elements may still be waiting to be received.
  public var isClosed: Bool {
    subscriber.channel.isClosed
  }
}

extension BroadcastSubscription: AsyncSequence {
  /// Iterates over a subscription's elements until it ends.
  ///
  /// Iteration also ends if the iterating task is cancelled. The iterator keeps the
  /// subscription alive.
  public struct AsyncIterator: AsyncIteratorProtocol {
    let subscription: BroadcastSubscription

    /// Receives the next element; `nil` when the subscription has ended, or the task is
    /// cancelled.
    public mutating func next() async -> Element? {
      try? await subscription.receive()
    }

    /// Receives the next element; `nil` when the subscription has ended, or the task is
    /// cancelled.
    public mutating func next(isolation actor: isolated (any Actor)?) async -> Element? {
      try? await subscription.receive()
    }
  }

  /// Makes an iterator over the subscription's elements.
  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(subscription: self)
  }
}

extension BroadcastSubscription: SelectableSource {
  /// Receives an element if one is ready, for a ``select(isolation:_:)``: the element, `nil`
  /// inside once the subscription has ended, or `nil` if the select must wait.
  public func selectTryTake() -> Element?? {
    subscriber.channel.selectTryTake()
  }

  /// Queues a waiting select's receive case, or completes it at once if an element is ready.
  public func selectRegister(_ waiter: SelectWaiter<Element?>) {
    subscriber.channel.selectRegister(waiter)
  }

  /// Removes a select's receive case, if it still waits.
  public func selectDeregister(_ waiter: SelectWaiter<Element?>) {
    subscriber.channel.selectDeregister(waiter)
  }
}

// MARK: - Channel primitives for broadcast and ticker

extension ChannelStateMachine {
  /// Sends without waiting; when the buffer is full, discards the oldest buffered element to
  /// make room for the new one.
  ///
  /// Returns the attempt and the element discarded, if any. Meant for channels that never have
  /// waiting senders (a waiting sender's element would be overtaken). A full channel with
  /// capacity 0 has nothing to discard and reports `.full`.
  mutating func sendDroppingOldest(_ element: Element) -> (SendAttempt, discarded: Element?) {
    let attempt = trySend(element)
    guard case .full = attempt, let oldest = buffer.popFirst() else { return (attempt, nil) }
    buffer.append(element)
    return (.sent(.none), oldest)
  }
}

extension Channel {
  /// Closes the channel and discards what it buffers: receivers see the end at once.
  func closeDiscardingBuffer() {
    close()
    // The discarded elements are released here, after the lock.
    _ = state.withLock { state in
      defer { state.buffer = [] }
      return state.buffer
    }
  }

  /// How many senders wait for room (for tests).
  var waitingSenderCount: Int {
    state.withLock { $0.senders.count }
  }

  /// How many receivers wait for an element (for tests).
  var waitingReceiverCount: Int {
    state.withLock { $0.receivers.count }
  }
}
