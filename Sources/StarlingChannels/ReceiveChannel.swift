/// The receiving end of a ``Channel``: what Go writes `<-chan T`.
///
/// Hand it to code that should only receive: it can receive, iterate and `select` on the
/// channel, but not send into it or close it. Make one with ``Channel/receiveOnly``.
///
/// ```swift
/// func startJobs() -> ReceiveChannel<Int> {
///   let jobs = Channel<Int>(capacity: 8)
///   Task {
///     for job in 1...3 { try await jobs.send(job) }
///     jobs.close()
///   }
///   return jobs.receiveOnly
/// }
/// ```
public struct ReceiveChannel<Element: Sendable>: Sendable {
  @usableFromInline let channel: Channel<Element>

  @inlinable
  init(channel: Channel<Element>) {
    self.channel = channel
  }

  /// How many elements the channel buffers; 0 for a rendezvous channel.
  public var capacity: Int { channel.capacity }

  /// Whether the channel has been closed. Buffered elements may still be waiting.
  public var isClosed: Bool { channel.isClosed }

  /// How many elements are buffered right now.
  public var count: Int { channel.count }

  /// Receives the next element, waiting until one is available; see ``Channel/receive()``.
  ///
  /// - Returns: the element, or `nil` once the channel is closed and its buffer drained.
  /// - Throws: `CancellationError` if the task is cancelled while it waits; nothing was taken.
  @inlinable
  public func receive() async throws -> Element? {
    try await channel.receive()
  }

  /// Receives an element if one is available without waiting; see ``Channel/tryReceive()``.
  ///
  /// - Returns: the element, or `nil` if none is ready.
  /// - Throws: ``ChannelError/closed`` if the channel is closed and its buffer drained.
  @inlinable
  public func tryReceive() throws(ChannelError) -> Element? {
    try channel.tryReceive()
  }
}

extension ReceiveChannel: AsyncSequence {
  /// Iterates over the channel's elements until it is closed and drained (or the task is
  /// cancelled).
  public typealias AsyncIterator = Channel<Element>.AsyncIterator

  /// Makes an iterator over the channel's elements.
  @inlinable
  public func makeAsyncIterator() -> Channel<Element>.AsyncIterator {
    channel.makeAsyncIterator()
  }
}

extension ReceiveChannel: SelectableSource {
  /// Receives an element if one is ready, for a ``select(isolation:_:)``; see
  /// ``Channel/selectTryTake()``.
  @inlinable
  public func selectTryTake() -> Element?? {
    channel.selectTryTake()
  }

  /// Queues a waiting select's receive case; see ``Channel/selectRegister(_:)``.
  @inlinable
  public func selectRegister(_ waiter: SelectWaiter<Element?>) {
    channel.selectRegister(waiter)
  }

  /// Removes a select's receive case; see ``Channel/selectDeregister(_:)``.
  @inlinable
  public func selectDeregister(_ waiter: SelectWaiter<Element?>) {
    channel.selectDeregister(waiter)
  }
}

extension Channel {
  /// A view of this channel that can only receive, for code that should not send or close.
  @inlinable
  public var receiveOnly: ReceiveChannel<Element> {
    ReceiveChannel(channel: self)
  }
}
