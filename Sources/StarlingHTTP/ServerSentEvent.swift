import NIOCore

/// One server-sent event (the `text/event-stream` format browsers read with `EventSource`).
public struct ServerSentEvent: Sendable, Hashable {
  /// The data; each line becomes a `data:` line, and the browser joins them with newlines.
  public var data: String
  /// The event type (`event:`); `nil` for the default, `message`.
  public var event: String?
  /// The event ID (`id:`), which a reconnecting browser sends back as `Last-Event-ID`.
  public var id: String?
  /// How long a browser waits before reconnecting (`retry:`).
  public var retry: Duration?

  /// An event with `data` and, optionally, its type, ID and reconnection time.
  public init(data: String, event: String? = nil, id: String? = nil, retry: Duration? = nil) {
    self.data = data
    self.event = event
    self.id = id
    self.retry = retry
  }

  /// The event in the wire format, ending with its blank line. Line breaks inside `event`
  /// and `id` (which the format cannot carry) are dropped.
  public var encoded: String {
    var text = ""
    if let event { text += "event: \(Self.oneLine(event))\n" }
    if let id { text += "id: \(Self.oneLine(id))\n" }
    if let retry {
      let (seconds, attoseconds) = retry.components
      text += "retry: \(seconds * 1000 + attoseconds / 1_000_000_000_000_000)\n"
    }
    for line in data.split(separator: "\n", omittingEmptySubsequences: false) {
      text += "data: \(line.hasSuffix("\r") ? line.dropLast() : line)\n"
    }
    return text + "\n"
  }

  private static func oneLine(_ text: String) -> String {
    text.filter { $0 != "\n" && $0 != "\r" }
  }
}

extension HTTPRequest {
  /// Answers the request with a stream of server-sent events: `200 OK`,
  /// `Content-Type: text/event-stream`, `Cache-Control: no-cache`, then what `events` sends,
  /// each event written as it is sent. The stream ends when `events` returns.
  ///
  /// ```swift
  /// try await request.replyEvents { events in
  ///   for tick in 1...3 {
  ///     try await events.send(ServerSentEvent(data: "tick \(tick)", event: "tick", id: "\(tick)"))
  ///   }
  /// }
  /// ```
  ///
  /// - Throws: ``HTTPError/alreadyAnswered``, ``HTTPError/connectionClosed`` (the browser
  ///   went away), or what `events` throws.
  public func replyEvents(
    headers: HTTPHeaders = [:], _ events: (ServerSentEventWriter) async throws -> Void
  ) async throws {
    var headers = headers
    headers.replaceOrAdd(name: "content-type", value: "text/event-stream")
    headers.replaceOrAdd(name: "cache-control", value: "no-cache")
    try await reply(status: .ok, headers: headers) { writer in
      try await events(ServerSentEventWriter(writer: writer))
    }
  }
}

/// Sends server-sent events (``HTTPRequest/replyEvents(headers:_:)``).
public struct ServerSentEventWriter: Sendable {
  let writer: HTTPResponseWriter

  /// Sends an event and waits until it is handed to the socket.
  public func send(_ event: ServerSentEvent) async throws {
    try await writer.write(event.encoded)
  }

  /// Sends a comment line (`: text`), which browsers ignore: a keep-alive for proxies.
  public func comment(_ text: String) async throws {
    try await writer.write(": \(text.filter { $0 != "\n" && $0 != "\r" })\n\n")
  }
}
