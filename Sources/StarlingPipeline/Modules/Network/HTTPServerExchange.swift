import Foundation
import Logging
import NIOCore
import NIOHTTP1
import StarlingNetwork

import struct StarlingChannels.Lock

/// One connection of `input.http`: reads its requests one at a time, turns each into an
/// event and writes the answer.
struct HTTPServerExchange: Sendable {
  let channel: any Channel
  let settings: HTTPInputSettings
  let context: ModuleContext
  let outbox: PipelineQueue
  /// The request waiting for its reply, failed if the connection closes first.
  private let waiting = Lock.make((settled: Once, promise: EventLoopPromise<Event>)?.none)

  init(channel: any Channel, settings: HTTPInputSettings, context: ModuleContext, outbox: PipelineQueue) {
    self.channel = channel
    self.settings = settings
    self.context = context
    self.outbox = outbox
    let waiting = waiting
    channel.closeFuture.whenComplete { _ in
      if let request = waiting.withLock({ $0 }), request.settled.claim() {
        request.promise.fail(Unanswered.connectionClosed)
      }
    }
  }

  /// Why a request got no answer from the pipeline.
  private enum Unanswered: Error {
    case timedOut
    case connectionClosed
    case notQueued(any Error)
  }

  private var peer: String { NetworkEndpoint.describe(channel.remoteAddress) }

  /// Serves requests until the client closes, a request asks to close, a request is bad in
  /// a way that ends the connection, or the task is cancelled between requests.
  func serve(_ inbound: NIOAsyncChannelInboundStream<HTTPServerRequestPart>) async {
    var head: HTTPRequestHead?
    var body = channel.allocator.buffer(capacity: 0)
    var parts = inbound.makeAsyncIterator()
    var refused = false
    do {
      reading: while let part = try await parts.next() {
        switch part {
        case .head(let requestHead):
          // Refused before its body is read: a Content-Length past the limit, however
          // little of the body has arrived.
          if let length = requestHead.headers.first(name: "content-length").flatMap({ Int($0) }),
            length > settings.maxBody
          {
            try await refuseOversize(requestHead, declared: length)
            refused = true
            break reading
          }
          head = requestHead
          body.clear()
        case .body(var chunk):
          guard let request = head else { continue }
          // A chunked body is refused as soon as its running total passes the limit.
          guard body.readableBytes + chunk.readableBytes <= settings.maxBody else {
            try await refuseOversize(request, declared: nil)
            refused = true
            break reading
          }
          body.writeBuffer(&chunk)
        case .end:
          guard let request = head else { continue }
          head = nil
          guard try await handle(request, body: Array(body.readableBytesView)) else { return }
        }
      }
      guard refused else { return }
      // Refused: what the client still sends is read and dropped until it closes, for a
      // second at most, so that closing does not reset the connection (a reset can destroy
      // the answer before the client reads it).
      let channel = channel
      let closer = channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
      while (try? await parts.next()) != nil {}
      closer.cancel()
    } catch is CancellationError {
    } catch PipelineError.queueClosed {
    } catch let error as HTTPParserError {
      context.log(.warning, "closing the connection from \(peer): bad request: \(error)")
    } catch {
      // A failed TLS handshake (its cause in words), a reset connection.
      context.log(.warning, "closing the connection from \(peer): \(SystemError.describe(error))")
    }
  }

  /// Answers 413 and half-closes the connection: the client sees the answer and the end of
  /// the stream.
  private func refuseOversize(_ request: HTTPRequestHead, declared: Int?) async throws {
    let size = declared.map { "\($0) bytes declared" } ?? "the body so far is larger"
    context.log(
      .warning,
      "refused \(request.method) \(request.uri) from \(peer): body exceeds max_body (\(settings.maxBody) bytes): \(size)"
    )
    try await respond(.payloadTooLarge, text: "request body exceeds \(settings.maxBody) bytes", close: true)
    try? await channel.close(mode: .output)
  }

  /// Answers one request; returns whether the connection stays open.
  private func handle(_ request: HTTPRequestHead, body: [UInt8]) async throws -> Bool {
    let keepAlive = request.isKeepAlive
    let (path, query) = HTTPServerExchange.split(request.uri)
    guard path.hasPrefix(settings.pathPrefix) else {
      context.log(
        .warning, "refused \(request.method) \(request.uri) from \(peer): not under \(settings.pathPrefix)")
      try await respond(.notFound, text: "not found", close: !keepAlive)
      return keepAlive
    }
    let contentType = request.headers.first(name: "content-type")
    let data: EventValue
    do {
      data =
        try settings.format == .json && body.isEmpty
        ? .null : settings.format.decode(body, contentType: contentType)
    } catch {
      context.log(.warning, "refused \(request.method) \(request.uri) from \(peer): \(error)")
      try await respond(.badRequest, text: "\(error)", close: !keepAlive)
      return keepAlive
    }
    var headers: [String: EventValue] = [:]
    for (name, value) in request.headers {
      let key = name.lowercased()
      headers[key] = .string(headers[key].flatMap(\.stringValue).map { "\($0), \(value)" } ?? value)
    }
    var event = Event(
      data: data,
      header: [
        "http": [
          "method": .string(request.method.rawValue), "path": .string(path), "query": .object(query),
          "headers": .object(headers), "peer": .string(peer),
        ]
      ])
    guard settings.reply else {
      try await outbox.send(event)
      try await respond(.accepted, text: "", close: !keepAlive)
      return keepAlive
    }
    let answer = try await ask(&event, origin: "http \(peer) \(request.method) \(request.uri)")
    switch answer {
    case .success(let reply):
      let status =
        (reply.header["http"]?[path: "status"]?.intValue).map { HTTPResponseStatus(statusCode: $0) } ?? .ok
      try await respond(status, data: reply.data, close: !keepAlive)
    case .failure(.timedOut):
      context.log(
        .warning, "no reply to \(request.method) \(request.uri) from \(peer) within \(settings.replyTimeout)")
      try await respond(.gatewayTimeout, text: "no reply within \(settings.replyTimeout)", close: !keepAlive)
    case .failure(.connectionClosed):
      context.log(
        .warning, "no reply to \(request.method) \(request.uri) from \(peer): the connection closed first")
      return false
    case .failure(.notQueued(let error)):
      try? await respond(.serviceUnavailable, text: "the pipeline is stopping", close: true)
      throw error
    }
    return keepAlive
  }

  /// Sends the event with a reply handle and waits for its answer or the reply timeout.
  private func ask(_ event: inout Event, origin: String) async throws -> Result<Event, Unanswered> {
    let promise = channel.eventLoop.makePromise(of: Event.self)
    let settled = Once()
    event.reply = ReplyHandle(origin: origin) { reply in
      guard settled.claim() else { throw NetworkError.requestGone(origin) }
      promise.succeed(reply)
    }
    waiting.withLock { $0 = (settled, promise) }
    defer { waiting.withLock { $0 = nil } }
    if !channel.isActive, settled.claim() { promise.fail(Unanswered.connectionClosed) }
    let timer = channel.eventLoop.scheduleTask(in: TimeAmount(settings.replyTimeout)) {
      if settled.claim() { promise.fail(Unanswered.timedOut) }
    }
    do {
      try await outbox.send(event)
    } catch {
      timer.cancel()
      if settled.claim() { promise.fail(Unanswered.notQueued(error)) }
    }
    defer { timer.cancel() }
    do {
      return .success(try await promise.futureResult.get())
    } catch let unanswered as Unanswered {
      return .failure(unanswered)
    }
  }

  private func respond(_ status: HTTPResponseStatus, text: String, close: Bool) async throws {
    try await respond(status, data: .string(text), close: close)
  }

  private func respond(_ status: HTTPResponseStatus, data: EventValue, close: Bool) async throws {
    let contentType: String
    switch data {
    case .string: contentType = "text/plain; charset=utf-8"
    case .bytes: contentType = "application/octet-stream"
    default: contentType = "application/json"
    }
    let bytes = data.byteValue
    var headers = HTTPHeaders()
    headers.add(name: "content-type", value: contentType)
    headers.add(name: "content-length", value: String(bytes.count))
    headers.add(name: "connection", value: close ? "close" : "keep-alive")
    var buffer = channel.allocator.buffer(capacity: bytes.count)
    buffer.writeBytes(bytes)
    let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
    channel.write(HTTPServerResponsePart.head(head), promise: nil)
    channel.write(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
    try await channel.writeAndFlush(HTTPServerResponsePart.end(nil))
  }

  /// The path and the decoded query parameters of a request target.
  static func split(_ uri: String) -> (String, [String: EventValue]) {
    guard let mark = uri.firstIndex(of: "?") else { return (uri, [:]) }
    var query: [String: EventValue] = [:]
    for pair in uri[uri.index(after: mark)...].split(separator: "&") {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      func decoded(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
      }
      query[decoded(parts[0])] = .string(parts.count > 1 ? decoded(parts[1]) : "")
    }
    return (String(uri[..<mark]), query)
  }
}
