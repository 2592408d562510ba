/// The sending end of a ``Channel``: what Go writes `chan<- T`.
///
/// Hand it to code that should only send: it can send (also in a `select`, with
/// `onSend(_:to:_:)`) and close the channel, but not receive from
/// it. Make one with ``Channel/sendOnly``.
///
/// ```swift
/// func produce(into results: SendChannel<Int>) async throws {
///   for value in 1...3 { try await results.send(value * value) }
///   results.close()
/// }
/// ```
public struct SendChannel<Element: Sendable>: Sendable {
  @usableFromInline let channel: Channel<Element>

  @inlinable
  init(channel: Channel<Element>) {
    self.channel = channel
  }

  /// How many elements the channel buffers; 0 for a rendezvous channel.
  public var capacity: Int { channel.capacity }

  /// Whether the channel has been closed.
  public var isClosed: Bool { channel.isClosed }

  /// Sends an element, waiting while the buffer is full; see ``Channel/send(_:)``.
  ///
  /// - Throws: ``ChannelError/closed`` if the channel is closed before the element is taken;
  ///   `CancellationError` if the task is cancelled while it waits. In both cases the element
  ///   was not delivered.
  @inlinable
  public func send(_ element: Element) async throws {
    try await channel.send(element)
  }

  /// Sends an element if that is possible without waiting; see ``Channel/trySend(_:)``.
  ///
  /// - Returns: `true` if the element was sent; `false` if the buffer is full.
  /// - Throws: ``ChannelError/closed`` if the channel is closed.
  @inlinable
  public func trySend(_ element: Element) throws(ChannelError) -> Bool {
    try channel.trySend(element)
  }

  /// Closes the channel; see ``Channel/close()``. As in Go, the sending side closes.
  public func close() {
    channel.close()
  }
}

extension Channel {
  /// A view of this channel that can only send (and close), for code that should not receive.
  @inlinable
  public var sendOnly: SendChannel<Element> {
    SendChannel(channel: self)
  }
}
