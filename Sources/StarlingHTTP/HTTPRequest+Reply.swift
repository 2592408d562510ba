import NIOCore
import NIOHTTP1

extension HTTPRequest {
  /// Answers the request with a whole body (sent with its `Content-Length`).
  ///
  /// The call returns once the answer is handed to the connection; a second answer throws.
  /// A `Connection: close` header closes the connection after the answer.
  ///
  /// - Throws: ``HTTPError/alreadyAnswered``, ``HTTPError/connectionClosed``.
  public func reply(
    status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()
  ) async throws {
    try claimAnswer()
    let number = number
    connection.run { $0.respond(number, status: status, headers: headers, body: body) }
  }

  /// Closes the request's connection without an answer: the client sees the connection end,
  /// as if the server had gone away, and may send the request again, here or elsewhere. For a
  /// server that stops and hands its socket to the one replacing it
  /// (``HTTPServer/listen(_:adopting:configuration:)``): a request it will not serve is left
  /// to its client to send again, without an error status or a log line. Does nothing when
  /// the request has been answered.
  public func closeConnection() {
    guard exchange.claimAnswer() else { return }
    let number = number
    connection.run { $0.closeUnanswered(number) }
  }

  /// Answers the request with a text body, as `text/plain; charset=utf-8` unless `headers`
  /// name another `Content-Type`.
  ///
  /// - Throws: ``HTTPError/alreadyAnswered``, ``HTTPError/connectionClosed``.
  public func reply(status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:], body: String) async throws {
    var headers = headers
    if !headers.contains(name: "content-type") {
      headers.add(name: "content-type", value: "text/plain; charset=utf-8")
    }
    try await reply(status: status, headers: headers, body: ByteBuffer(string: body))
  }

  /// Answers the request with bytes, as `application/octet-stream` unless `headers` name
  /// another `Content-Type`.
  ///
  /// - Throws: ``HTTPError/alreadyAnswered``, ``HTTPError/connectionClosed``.
  public func reply(status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8]) async throws
  {
    var headers = headers
    if !headers.contains(name: "content-type") {
      headers.add(name: "content-type", value: "application/octet-stream")
    }
    try await reply(status: status, headers: headers, body: ByteBuffer(bytes: body))
  }

  /// Answers the request with a body written in chunks as `stream` produces them (chunked
  /// transfer encoding, unless `headers` give a `Content-Length`).
  ///
  /// The head goes out first; each ``HTTPResponseWriter/write(_:)-(ByteBuffer)`` waits until
  /// its chunk is handed to the socket, so a slow client slows the writer down. The answer
  /// ends when `stream` returns. When `stream` throws, the answer cannot be completed: the
  /// connection is closed and the error rethrown.
  ///
  /// ```swift
  /// try await request.reply(headers: ["content-type": "text/plain"]) { writer in
  ///   for line in ["one\n", "two\n"] { try await writer.write(line) }
  /// }
  /// ```
  ///
  /// - Throws: ``HTTPError/alreadyAnswered``, ``HTTPError/connectionClosed``, or what
  ///   `stream` throws.
  public func reply(
    status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:],
    stream: (HTTPResponseWriter) async throws -> Void
  ) async throws {
    try claimAnswer()
    let number = number
    try await connection.submit { $0.startStream(number, status: status, headers: headers) }
    let writer = HTTPResponseWriter(connection: connection, number: number)
    do {
      try await stream(writer)
    } catch {
      connection.run { $0.abortStream(number, error: error) }
      throw error
    }
    try await connection.submit { $0.endStream(number) }
  }
}

/// Writes the chunks of a streaming reply (``HTTPRequest/reply(status:headers:stream:)``).
public struct HTTPResponseWriter: Sendable {
  let connection: HTTPConnectionHandle
  let number: Int

  /// Writes a chunk and waits until it is handed to the socket.
  ///
  /// - Throws: ``HTTPError/connectionClosed`` when the client has gone.
  public func write(_ chunk: ByteBuffer) async throws {
    let number = number
    try await connection.submit { $0.writeChunk(number, chunk) }
  }

  /// Writes text as a chunk (UTF-8).
  ///
  /// - Throws: ``HTTPError/connectionClosed`` when the client has gone.
  public func write(_ text: String) async throws {
    try await write(ByteBuffer(string: text))
  }
}
