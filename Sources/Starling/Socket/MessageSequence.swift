/// The messages a socket receives, as an `AsyncSequence`.
///
/// Iteration ends when the socket is closed; other errors (such as a receive timeout) are
/// thrown.
public struct MessageSequence: AsyncSequence, Sendable {
  /// The element: a received message.
  public typealias Element = Message
  let receive: @Sendable () async throws -> Message

  /// Iterates over received messages.
  public struct AsyncIterator: AsyncIteratorProtocol {
    let receive: @Sendable () async throws -> Message

    /// The next message, or `nil` once the socket is closed.
    public mutating func next() async throws -> Message? {
      do {
        return try await receive()
      } catch SPError.closed {
        return nil
      }
    }
  }

  /// Makes an iterator.
  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(receive: receive)
  }
}
