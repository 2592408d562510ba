import NIOCore

/// A request body as an asynchronous sequence of chunks (``HTTPRequest/bodyChunks``). It can
/// be iterated once.
public struct HTTPRequestBody: AsyncSequence, Sendable {
  /// A chunk of the body.
  public typealias Element = ByteBuffer

  let request: HTTPRequest

  /// Makes the iterator; a second iteration of the same body throws
  /// ``HTTPError/bodyAlreadyRead``.
  public func makeAsyncIterator() -> Iterator {
    Iterator(request: request, claimed: request.exchange.claimBody())
  }

  /// Takes the chunks one by one.
  public struct Iterator: AsyncIteratorProtocol {
    let request: HTTPRequest
    let claimed: Bool

    /// The next chunk, or `nil` at the end of the body.
    ///
    /// - Throws: ``HTTPError/bodyTooLarge(limit:)``, ``HTTPError/connectionClosed``,
    ///   ``HTTPError/bodyAlreadyRead``; `CancellationError` when the calling task is
    ///   cancelled while it waits for a chunk (a body cut short never looks whole).
    public mutating func next() async throws -> ByteBuffer? {
      guard claimed else { throw HTTPError.bodyAlreadyRead }
      let connection = request.connection
      let number = request.number
      let body = request.exchange.body
      let chunk = try await body.next(
        resumeProducer: { connection.run { $0.resumeBody(number) } },
        firstDemand: { connection.run { $0.bodyWanted(number) } })
      if chunk == nil, Task.isCancelled, !body.isFinished { throw CancellationError() }
      return chunk
    }
  }
}
