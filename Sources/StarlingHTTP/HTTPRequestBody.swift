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
    ///   ``HTTPError/bodyAlreadyRead``.
    public mutating func next() async throws -> ByteBuffer? {
      guard claimed else { throw HTTPError.bodyAlreadyRead }
      let connection = request.connection
      let number = request.number
      return try await request.exchange.body.next(
        resumeProducer: { connection.run { $0.resumeBody(number) } },
        firstDemand: { connection.run { $0.bodyWanted(number) } })
    }
  }
}
