import NIOCore
import NIOHTTP1

/// One HTTP request, as ``HTTPServer/requests`` delivers it: its method, target and headers,
/// its body (read whole with ``body(upTo:)`` or in chunks with ``bodyChunks``), and the means
/// to answer it once: ``reply(status:headers:body:)-(_,_,ByteBuffer)``, a streaming
/// ``reply(status:headers:stream:)``, ``replyEvents(headers:_:)`` (server-sent events) or
/// ``upgradeToWebSocket(subprotocol:configuration:)``.
///
/// A request arrives as soon as its head has: its body may still be on the way. A request
/// that is dropped without an answer is answered `500 Internal Server Error`, and the server
/// logs it.
public final class HTTPRequest: Sendable, CustomStringConvertible {
  /// The method, such as `GET`.
  public let method: HTTPMethod
  /// The request target as sent: the path and the query, such as `/search?q=starling`.
  public let uri: String
  /// The HTTP version, 1.0 or 1.1.
  public let version: HTTPVersion
  /// The headers.
  public let headers: HTTPHeaders
  /// The client's address, when known.
  public let remoteAddress: SocketAddress?

  let exchange: HTTPExchange
  let connection: HTTPConnectionHandle
  /// The request's number on its connection.
  let number: Int
  /// The server's largest body.
  let maxBodySize: Int

  init(
    head: HTTPRequestHead, remoteAddress: SocketAddress?, exchange: HTTPExchange,
    connection: HTTPConnectionHandle, number: Int, maxBodySize: Int
  ) {
    method = head.method
    uri = head.uri
    version = head.version
    headers = head.headers
    self.remoteAddress = remoteAddress
    self.exchange = exchange
    self.connection = connection
    self.number = number
    self.maxBodySize = maxBodySize
  }

  deinit {
    guard exchange.claimAnswer(), !exchange.isClosed else { return }
    let number = number
    connection.run { $0.dropped(number) }
  }

  /// The method and the target, as `GET /search?q=starling`.
  public var description: String { "\(method.rawValue) \(uri)" }

  /// The path: the target up to its query, as sent (not percent-decoded).
  public var path: Substring {
    uri.firstIndex(of: "?").map { uri[..<$0] } ?? uri[...]
  }

  /// The query: the target after its `?`, as sent; `nil` when there is none.
  public var query: Substring? {
    uri.firstIndex(of: "?").map { uri[uri.index(after: $0)...] }
  }

  /// The query's `name=value` pairs in order, percent-decoded (and `+` read as a space).
  public var queryItems: [(name: String, value: String)] {
    guard let query else { return [] }
    return query.split(separator: "&").map { pair in
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      return (Self.decode(parts[0]), parts.count > 1 ? Self.decode(parts[1]) : "")
    }
  }

  /// Whether the client wants the connection kept open after the answer.
  public var isKeepAlive: Bool {
    HTTPRequestHead(version: version, method: method, uri: uri, headers: headers).isKeepAlive
  }

  /// Reads the whole body, at most `limit` bytes (and never more than the server's
  /// ``HTTPServer/Configuration/maxBodySize``).
  ///
  /// A client that sent `Expect: 100-continue` is told to go on now.
  ///
  /// - Throws: ``HTTPError/bodyTooLarge(limit:)`` past the limit (the server answers 413 and
  ///   closes the connection), ``HTTPError/connectionClosed`` when the client goes away
  ///   first, ``HTTPError/bodyAlreadyRead`` the second time; `CancellationError` when the
  ///   calling task is cancelled before the body is whole.
  public func body(upTo limit: Int? = nil) async throws -> ByteBuffer {
    let limit = min(limit ?? maxBodySize, maxBodySize)
    var whole = ByteBuffer()
    for try await var chunk in bodyChunks {
      guard whole.readableBytes + chunk.readableBytes <= limit else {
        let number = number
        if exchange.claimAnswer() { connection.run { $0.refuseOversizeBody(number, limit: limit) } }
        throw HTTPError.bodyTooLarge(limit: limit)
      }
      if whole.readableBytes == 0 {
        whole = chunk
      } else {
        whole.writeBuffer(&chunk)
      }
    }
    return whole
  }

  /// The body in chunks as they arrive, for bodies too large to hold or to be handled as
  /// they come. Reading stops (and the client waits) while chunks are not taken; the
  /// server's ``HTTPServer/Configuration/maxBodySize`` still applies.
  ///
  /// Iterating throws ``HTTPError/bodyAlreadyRead`` when the body was read before.
  public var bodyChunks: HTTPRequestBody { HTTPRequestBody(request: self) }

  /// Whether the request asks for a WebSocket upgrade (`GET` with `Upgrade: websocket`).
  public var isWebSocketUpgrade: Bool {
    method == .GET && headers[canonicalForm: "upgrade"].contains { $0.lowercased() == "websocket" }
  }

  /// The WebSocket subprotocols the client offers, in its order of preference.
  public var webSocketSubprotocols: [String] {
    headers[canonicalForm: "sec-websocket-protocol"].map(String.init)
  }

  /// Calls `watcher` (on the connection's event loop) if the connection closes before the
  /// request is answered; at once if it has closed already.
  package func whenConnectionCloses(_ watcher: @escaping @Sendable () -> Void) {
    exchange.whenClosed(watcher)
  }

  /// Takes the right to answer, or throws when it is gone.
  func claimAnswer() throws(HTTPError) {
    guard exchange.claimAnswer() else { throw .alreadyAnswered }
    guard !exchange.isClosed else { throw .connectionClosed }
  }

  private static func decode(_ text: Substring) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count)
    var iterator = text.utf8.makeIterator()
    while let byte = iterator.next() {
      switch byte {
      case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
      case UInt8(ascii: "%"):
        let high = iterator.next()
        let low = iterator.next()
        if let high, let low, let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
          bytes.append(value)
        } else {
          bytes.append(byte)
          if let high { bytes.append(high) }
          if let low { bytes.append(low) }
        }
      default: bytes.append(byte)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
