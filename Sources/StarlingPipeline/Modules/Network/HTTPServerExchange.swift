import Foundation
import Logging
import NIOCore
import NIOPosix
import StarlingHTTP
import StarlingNetwork

import struct StarlingChannels.Lock

/// `input.http`'s handling of one request: the request becomes an event, the event's reply
/// (or a timeout, or the connection closing) becomes the answer. A request whose event is
/// not queued because the input stops has its connection closed unanswered: its client
/// sends it again (to the next pipeline, on a reload).
struct HTTPServerExchange: Sendable {
  let settings: HTTPInputSettings
  let context: ModuleContext
  let outbox: PipelineQueue
  let tasks: RequestTasks

  /// Why a request got no answer from the pipeline.
  private enum Unanswered: Error {
    case timedOut
    case connectionClosed
    case notQueued
  }

  /// Serves one request (the task `id` of ``tasks``) to its end; failures are logged,
  /// never thrown.
  func serve(_ request: HTTPRequest, id: Int) async {
    let peer = request.remoteAddress.map { NetworkEndpoint.describe($0) } ?? "unknown"
    do {
      try await handle(request, id: id, peer: peer)
    } catch is CancellationError {
      // The input stopped while the body was arriving or the outbox was full.
      request.closeConnection()
    } catch PipelineError.queueClosed {
      request.closeConnection()
    } catch HTTPError.bodyTooLarge {
      // The server answered 413 and logged it.
    } catch HTTPError.connectionClosed {
      // The server logged a body cut short; nobody is left to answer.
    } catch {
      context.log(.warning, "closing the connection from \(peer): \(SystemError.describe(error))")
    }
  }

  private func handle(_ request: HTTPRequest, id: Int, peer: String) async throws {
    let path = String(request.path)
    guard path.hasPrefix(settings.pathPrefix) else {
      context.log(.warning, "refused \(request) from \(peer): not under \(settings.pathPrefix)")
      try await respond(request, .notFound, data: .string("not found"))
      return
    }
    let body = Array(try await request.body().readableBytesView)
    let data: EventValue
    do {
      data =
        try settings.format == .json && body.isEmpty
        ? .null : settings.format.decode(body, contentType: request.headers.first(name: "content-type"))
    } catch {
      context.log(.warning, "refused \(request) from \(peer): \(error)")
      try await respond(request, .badRequest, data: .string("\(error)"))
      return
    }
    var event = Event(data: data, header: Self.header(request, path: path, peer: peer))
    guard settings.reply else {
      let outbox = outbox
      let event = event
      guard try await tasks.queue(id, { try await outbox.send(event) }) else {
        request.closeConnection()
        return
      }
      try await respond(request, .accepted, data: .string(""))
      return
    }
    switch try await ask(&event, request: request, id: id, origin: "http \(peer) \(request)") {
    case .success(let reply):
      let status =
        (reply.header["http"]?[path: "status"]?.intValue).map { HTTPResponseStatus(statusCode: $0) } ?? .ok
      try await respond(request, status, data: reply.data)
    case .failure(.timedOut):
      context.log(.warning, "no reply to \(request) from \(peer) within \(settings.replyTimeout)")
      try await respond(request, .gatewayTimeout, data: .string("no reply within \(settings.replyTimeout)"))
    case .failure(.connectionClosed):
      context.log(.warning, "no reply to \(request) from \(peer): the connection closed first")
    case .failure(.notQueued):
      request.closeConnection()
    }
  }

  /// Sends the event with a reply handle and waits for its answer, the reply timeout, or
  /// the connection closing.
  private func ask(
    _ event: inout Event, request: HTTPRequest, id: Int, origin: String
  ) async throws -> Result<Event, Unanswered> {
    let answer = PendingAnswer<Result<Event, Unanswered>>()
    event.reply = ReplyHandle(origin: origin) { reply in
      guard answer.settle(.success(reply)) else { throw NetworkError.requestGone(origin) }
    }
    request.whenConnectionCloses { answer.settle(.failure(.connectionClosed)) }
    let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(
      in: TimeAmount(settings.replyTimeout)
    ) {
      answer.settle(.failure(.timedOut))
    }
    defer { timer.cancel() }
    let outbox = outbox
    let queued = event
    do {
      if try await !tasks.queue(id, { try await outbox.send(queued) }) {
        answer.settle(.failure(.notQueued))
      }
    } catch {
      answer.settle(.failure(.notQueued))
    }
    return await answer.value
  }

  /// The header of a request's event: `http.method`, `path`, `query` (decoded), `headers`
  /// (names in lower case, repeated headers joined with `, `) and `peer`.
  static func header(_ request: HTTPRequest, path: String, peer: String) -> [String: EventValue] {
    var headers: [String: EventValue] = [:]
    for (name, value) in request.headers {
      let key = name.lowercased()
      headers[key] = .string(headers[key].flatMap(\.stringValue).map { "\($0), \(value)" } ?? value)
    }
    var query: [String: EventValue] = [:]
    for item in request.queryItems { query[item.name] = .string(item.value) }
    return [
      "http": [
        "method": .string(request.method.rawValue), "path": .string(path), "query": .object(query),
        "headers": .object(headers), "peer": .string(peer),
      ]
    ]
  }

  private func respond(
    _ request: HTTPRequest, _ status: HTTPResponseStatus, data: EventValue, headers: HTTPHeaders = [:]
  ) async throws {
    let contentType: String
    switch data {
    case .string: contentType = "text/plain; charset=utf-8"
    case .bytes: contentType = "application/octet-stream"
    default: contentType = "application/json"
    }
    var headers = headers
    headers.add(name: "content-type", value: contentType)
    try await request.reply(status: status, headers: headers, body: ByteBuffer(bytes: data.byteValue))
  }
}

/// An answer that comes once, from whichever source settles it first.
final class PendingAnswer<Value: Sendable>: Sendable {
  private let state = Lock<(value: Value?, waiter: CheckedContinuation<Value, Never>?)>.make((nil, nil))

  /// Settles the answer; `false` when it was settled already.
  @discardableResult
  func settle(_ value: Value) -> Bool {
    let (settled, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Value, Never>?) in
      guard state.value == nil else { return (false, nil) }
      state.value = value
      defer { state.waiter = nil }
      return (true, state.waiter)
    }
    waiter?.resume(returning: value)
    return settled
  }

  /// The answer, waiting for it.
  var value: Value {
    get async {
      await withCheckedContinuation { continuation in
        let now = state.withLock { state -> Value? in
          if let value = state.value { return value }
          state.waiter = continuation
          return nil
        }
        if let now { continuation.resume(returning: now) }
      }
    }
  }
}
