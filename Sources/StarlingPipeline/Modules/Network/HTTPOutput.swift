import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// `output.http`: POSTs each event to a URL.
actor HTTPOutput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "output.http",
    summary: "POSTs each event (or one part of it) to an HTTP URL.",
    discussion: """
      Sends the part of each event that `selection` names as the body of a POST to `url` \
      (plain `http://` only: there is no TLS here). A string goes as \
      `text/plain; charset=utf-8`, bytes as `application/octet-stream`, anything else as \
      JSON (`application/json`); `content_type` overrides the type. `headers` adds request \
      headers. One connection is kept open and reused while the server allows it. An event \
      fails (and goes to `failure` with the reason) when the server cannot be reached, \
      answers with a status that is not 2xx, or does not answer within `timeout`; the next \
      event opens a new connection.
      """,
    arguments: [
      .required("url", .string, "Where to POST: http://host[:port]/path."),
      ArgumentSpec("selection", .string, default: "data", "The part of the event to send."),
      ArgumentSpec("content_type", .string, "The content type to send instead of the one the data implies."),
      ArgumentSpec("headers", .map, default: .object([:]), "Extra request headers."),
      ArgumentSpec(
        "timeout", .duration, default: 10, in: 0.001...86400,
        "How long a request may take, connecting included."),
    ],
    outputs: [],
    example: """
      webhook:
        module: output.http
        arguments:
          url: "http://127.0.0.1:8080/events"
          timeout: 5s
      """)

  let context: ModuleContext
  let url: String
  let endpoint: NetworkEndpoint
  let target: String
  let selection: String
  let contentType: String?
  let headers: [(String, String)]
  let timeout: Duration
  private var channel: (any Channel)?

  init(context: ModuleContext) throws {
    self.context = context
    let arguments = context.arguments
    url = arguments.string("url") ?? ""
    guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
      let host = components.host, !host.isEmpty
    else {
      throw PipelineError.invalidArgument("url '\(url)' is not a URL like http://host:port/path")
    }
    guard scheme == "http" else {
      throw PipelineError.invalidArgument("url '\(url)': only http:// is supported, not \(scheme)://")
    }
    endpoint = try NetworkEndpoint(
      "\(host.contains(":") ? "[\(host)]" : host):\(components.port ?? 80)", argument: "url", scheme: "http")
    let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
    target = path + (components.percentEncodedQuery.map { "?\($0)" } ?? "")
    selection = arguments.string("selection") ?? "data"
    guard Event.isReadable(selection) else {
      throw PipelineError.invalidArgument(
        "selection '\(selection)' is not a path under data, header, id, timestamp, ttl or error")
    }
    contentType = arguments.string("content_type")
    headers = (arguments.map("headers") ?? [:]).sorted { $0.key < $1.key }.map {
      ($0.key, $0.value.description)
    }
    timeout = arguments.duration("timeout") ?? .seconds(10)
  }

  func consume(_ event: Event, from queue: String) async throws {
    let value = event[selection] ?? .null
    var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target)
    head.headers.add(name: "host", value: endpoint.port == 80 ? endpoint.host : endpoint.description)
    head.headers.add(name: "content-type", value: contentType ?? HTTPOutput.contentType(of: value))
    for (name, text) in headers { head.headers.add(name: name, value: text) }
    let body = value.byteValue
    head.headers.add(name: "content-length", value: String(body.count))
    let deadline = ContinuousClock.now + timeout
    let reused = channel?.isActive == true
    do {
      do {
        try await exchange(head, body: body, deadline: deadline)
      } catch HTTPExchangeError.closedEarly where reused {
        // The server closed the kept-alive connection as the request went out: once more, on
        // a new connection.
        try await exchange(head, body: body, deadline: deadline)
      }
    } catch let error as HTTPExchangeError {
      throw NetworkError.writeFailed(url, "\(error)")
    }
  }

  func didStop() async {
    try? await channel?.close()
    channel = nil
  }

  private func exchange(
    _ head: HTTPRequestHead, body: [UInt8], deadline: ContinuousClock.Instant
  ) async throws {
    let channel = try await connected(deadline: deadline)
    var buffer = channel.allocator.buffer(capacity: body.count)
    buffer.writeBytes(body)
    let promise = channel.eventLoop.makePromise(of: HTTPExchangeResponse.self)
    let left = ContinuousClock.now.duration(to: deadline)
    let timer = channel.eventLoop.scheduleTask(in: TimeAmount(max(left, .zero))) {
      channel.pipeline.fireUserInboundEventTriggered(HTTPExchangeTimeout())
    }
    defer { timer.cancel() }
    channel.writeAndFlush(HTTPExchangeRequest(head: head, body: buffer, promise: promise), promise: nil)
    let response: HTTPExchangeResponse
    do {
      response = try await promise.futureResult.get()
    } catch HTTPExchangeError.timedOut {
      self.channel = nil
      throw NetworkError.httpTimeout(url: url)
    } catch let error as HTTPExchangeError {
      self.channel = nil
      throw error
    } catch {
      self.channel = nil
      channel.close(promise: nil)
      throw NetworkError.writeFailed(url, "\(error)")
    }
    if !response.keepAlive {
      self.channel = nil
      channel.close(promise: nil)
    }
    guard (200..<300).contains(response.status.code) else {
      let text = String(decoding: response.body.prefix(200), as: UTF8.self)
      throw NetworkError.httpStatus(url: url, status: Int(response.status.code), body: text)
    }
  }

  private func connected(deadline: ContinuousClock.Instant) async throws -> any Channel {
    if let channel, channel.isActive { return channel }
    channel = nil
    let left = ContinuousClock.now.duration(to: deadline)
    do {
      let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connectTimeout(TimeAmount(max(left, .milliseconds(1))))
        .channelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHTTPClientHandlers()
            try channel.pipeline.syncOperations.addHandler(HTTPExchangeHandler())
          }
        }
        .connect(host: endpoint.host, port: endpoint.port).get()
      self.channel = channel
      return channel
    } catch {
      throw NetworkError.connectFailed(url, "\(error)")
    }
  }

  static func contentType(of value: EventValue) -> String {
    switch value {
    case .string: return "text/plain; charset=utf-8"
    case .bytes: return "application/octet-stream"
    default: return "application/json"
    }
  }
}
