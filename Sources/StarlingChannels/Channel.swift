import DequeModule
import Synchronization

/// A Go-style channel: many tasks send elements into it, many tasks receive them.
///
/// A channel with capacity 0 is a *rendezvous*: ``send(_:)`` waits until a receiver takes the
/// element. A channel with capacity `n` buffers up to `n` elements, and ``send(_:)`` waits only
/// while the buffer is full. Waiting senders and receivers are served first come, first
/// served. A send or receive that need not wait returns without suspending the task.
///
/// ```swift
/// let jobs = Channel<Int>(capacity: 16)
/// Task {
///   for job in 1...3 { try await jobs.send(job) }
///   jobs.close()
/// }
/// for await job in jobs {
///   print("job", job)
/// }
/// ```
///
/// ``close()`` ends the stream: receivers first drain what is buffered, then see `nil`.
///
/// Cancellation never loses or duplicates an element: a cancelled ``send(_:)`` delivers
/// nothing and throws `CancellationError`; a cancelled ``receive()`` takes nothing.
public final class Channel<Element: Sendable>: Sendable {
  @usableFromInline let state: Lock<ChannelStateMachine<Element>>

  /// How many elements the channel buffers; 0 for a rendezvous channel.
  public let capacity: Int

  /// Creates a channel.
  ///
  /// - Parameter capacity: how many elements the channel holds without a receiver. 0 (the
  ///   default) makes a rendezvous channel, where each send waits for a receiver.
  public init(capacity: Int = 0) {
    precondition(capacity >= 0, "a channel's capacity cannot be negative")
    self.capacity = capacity
    self.state = Lock.make(ChannelStateMachine(capacity: capacity))
  }

  // MARK: Sending

  /// Sends an element, waiting while the buffer is full (or, for a rendezvous channel, until
  /// a receiver takes it).
  ///
  /// - Throws: ``ChannelError/closed`` if the channel is closed before the element is taken;
  ///   `CancellationError` if the task is cancelled while it waits. In both cases the element
  ///   was not delivered.
  @inlinable
  public func send(_ element: Element) async throws {
    switch state.withLock({ $0.trySend(element) }) {
    case .sent(let wake):
      wake.run()
    case .closed:
      throw ChannelError.closed
    case .full:
      try await sendWaiting(element)
    }
  }

  @inlinable
  func sendWaiting(_ element: Element) async throws {
    let id = state.withLock { $0.makeID() }
    try await withTaskCancellationHandler {
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
        let attempt = state.withLock {
          $0.sendOrWait(element, id: id, continuation: continuation, isCancelled: Task.isCancelled)
        }
        switch attempt {
        case nil:
          break  // waiting: a receiver, close() or cancellation resumes it
        case .sent(let wake):
          wake.run()
          continuation.resume()
        case .full:
          continuation.resume(throwing: CancellationError())
        case .closed:
          continuation.resume(throwing: ChannelError.closed)
        }
      }
    } onCancel: {
      if case .task(let continuation, _) = state.withLock({ $0.removeSender(id: id) }) {
        continuation.resume(throwing: CancellationError())
      }
    }
  }

  /// Sends an element if that is possible without waiting.
  ///
  /// - Returns: `true` if the element was buffered or handed to a waiting receiver; `false`
  ///   if the buffer is full (the element was not sent).
  /// - Throws: ``ChannelError/closed`` if the channel is closed.
  @inlinable
  public func trySend(_ element: Element) throws(ChannelError) -> Bool {
    switch state.withLock({ $0.trySend(element) }) {
    case .sent(let wake):
      wake.run()
      return true
    case .full:
      return false
    case .closed:
      throw .closed
    }
  }

  // MARK: Receiving

  /// Receives the next element, waiting until one is available.
  ///
  /// - Returns: the element, or `nil` once the channel is closed and its buffer drained.
  /// - Throws: `CancellationError` if the task is cancelled while it waits; nothing was taken.
  @inlinable
  public func receive() async throws -> Element? {
    switch state.withLock({ $0.tryReceive() }) {
    case .element(let element, let wake):
      wake.run()
      return element
    case .closed:
      return nil
    case .empty:
      return try await receiveWaiting()
    }
  }

  @inlinable
  func receiveWaiting() async throws -> Element? {
    let id = state.withLock { $0.makeID() }
    return try await withTaskCancellationHandler {
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Element?, any Error>) in
        let attempt = state.withLock {
          $0.receiveOrWait(id: id, continuation: continuation, isCancelled: Task.isCancelled)
        }
        switch attempt {
        case nil:
          break  // waiting: a sender, close() or cancellation resumes it
        case .element(let element, let wake):
          wake.run()
          continuation.resume(returning: element)
        case .closed:
          continuation.resume(returning: nil)
        case .empty:
          continuation.resume(throwing: CancellationError())
        }
      }
    } onCancel: {
      if case .task(let continuation) = state.withLock({ $0.removeReceiver(id: id) }) {
        continuation.resume(throwing: CancellationError())
      }
    }
  }

  /// Receives an element if one is available without waiting.
  ///
  /// - Returns: the element, or `nil` if none is ready.
  /// - Throws: ``ChannelError/closed`` if the channel is closed and its buffer drained.
  @inlinable
  public func tryReceive() throws(ChannelError) -> Element? {
    switch state.withLock({ $0.tryReceive() }) {
    case .element(let element, let wake):
      wake.run()
      return element
    case .empty:
      return nil
    case .closed:
      throw .closed
    }
  }

  // MARK: Closing

  /// Closes the channel.
  ///
  /// Waiting senders fail with ``ChannelError/closed``; receivers drain what is buffered and
  /// then see the end (`nil`). Closing a closed channel does nothing.
  public func close() {
    // Selects are claimed under the lock, as everywhere: once a select has left the channel,
    // nothing may claim it through a waiter it left behind (its core and waiters are reused).
    var selectWakes: [ChannelStateMachine<Element>.Wake] = []
    let (receivers, senders) = state.withLock { state in
      let (receivers, senders) = state.close()
      for waiting in receivers {
        if case .select(let waiter) = waiting.waiter, let claim = waiter.claim() {
          selectWakes.append(.selectReceiver(claim, nil))
        }
      }
      for waiting in senders {
        if case .select(let slot) = waiting.waiter, case .won(let continuation) = slot.core.claim() {
          selectWakes.append(.selectClosed(continuation!))
        }
      }
      return (receivers, senders)
    }
    for waiting in receivers {
      if case .task(let continuation) = waiting.waiter {
        continuation.resume(returning: nil)
      }
    }
    for waiting in senders {
      if case .task(let continuation, _) = waiting.waiter {
        continuation.resume(throwing: ChannelError.closed)
      }
    }
    for wake in selectWakes { wake.run() }
  }

  /// Whether the channel has been closed. Buffered elements may still be waiting to be received.
  public var isClosed: Bool {
    state.withLock { $0.isClosed }
  }

  /// How many elements are buffered right now.
  public var count: Int {
    state.withLock { $0.buffer.count }
  }
}

extension Channel: AsyncSequence {
  /// Iterates over a channel's elements until it is closed and drained.
  ///
  /// Iteration also ends if the iterating task is cancelled.
  public struct AsyncIterator: AsyncIteratorProtocol {
    @usableFromInline let channel: Channel

    @inlinable init(channel: Channel) {
      self.channel = channel
    }

    /// Receives the next element; `nil` when the channel is closed and drained, or the task
    /// is cancelled.
    @inlinable
    public mutating func next() async -> Element? {
      if Task.isCancelled { return nil }
      return try? await channel.receive()
    }

    /// Receives the next element; `nil` when the channel is closed and drained, or the task
    /// is cancelled.
    @inlinable
    public mutating func next(isolation actor: isolated (any Actor)?) async -> Element? {
      if Task.isCancelled { return nil }
      return try? await channel.receive()
    }
  }

  /// Makes an iterator over the channel's elements.
  @inlinable
  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(channel: self)
  }
}

extension Channel: SelectableSource {
  /// Receives an element if one is ready, for a ``select(isolation:_:)``: the element, `nil`
  /// inside for a closed and drained channel, or `nil` if the select must wait.
  @inlinable
  public func selectTryTake() -> Element?? {
    switch state.withLock({ $0.tryReceive() }) {
    case .element(let element, let wake):
      wake.run()
      return .some(element)
    case .closed:
      return .some(nil)
    case .empty:
      return nil
    }
  }

  /// Queues a waiting select's receive case, or completes it at once if the channel is ready.
  @inlinable
  public func selectRegister(_ waiter: SelectWaiter<Element?>) {
    if case .fired(let counterpart, let select) = state.withLock({ $0.registerReceive(waiter) }) {
      counterpart.run()
      select.run()
    }
  }

  /// Removes a select's receive case from the queue of waiting receivers, if it is still there.
  @inlinable
  public func selectDeregister(_ waiter: SelectWaiter<Element?>) {
    state.withLock { $0.removeSelectReceiver(waiter) }
  }
}
