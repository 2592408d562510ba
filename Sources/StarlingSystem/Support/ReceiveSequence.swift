/// An `AsyncSequence` of what a receiving function returns, until it returns `nil`: the
/// connections of a ``StreamListener``, the packets of a ``PacketStream``, the datagrams of a
/// ``UDPSocket``.
public struct ReceiveSequence<Element: Sendable>: AsyncSequence, Sendable {
  /// What receiving throws.
  public typealias Failure = any Error

  let receive: @Sendable () async throws -> Element?

  /// Receives one element at a time.
  public struct AsyncIterator: AsyncIteratorProtocol {
    let receive: @Sendable () async throws -> Element?

    /// The next element, or `nil` at the end.
    public mutating func next() async throws -> Element? {
      try await receive()
    }
  }

  /// Starts receiving.
  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(receive: receive)
  }
}
