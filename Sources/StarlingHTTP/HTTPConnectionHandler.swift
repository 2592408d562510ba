import Logging
import NIOCore
import NIOHTTP1
import StarlingNetwork

/// One HTTP connection of an ``HTTPServer``, on its event loop, behind NIO's HTTP/1.1 decoder,
/// encoder and pipelining handler (which hands it one request at a time and holds the next
/// until the answer's end is written).
///
/// It turns each request head into an ``HTTPRequest`` for ``HTTPServer/requests``, feeds the
/// body to it (pausing reads while the body is not taken), writes what the request's answer
/// asks for, refuses what breaks the limits (413, 431, 400), and tells the
/// ``ConnectionTimeoutHandler`` in front where the connection is. It holds no reference to a
/// request, so a request the program drops is deinitialised and answered 500 from here.
final class HTTPConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundIn = HTTPServerResponsePart
  typealias OutboundOut = HTTPServerResponsePart

  /// The request being served.
  struct Exchange {
    let number: Int
    let head: HTTPRequestHead
    let shared: HTTPExchange
    var bodyBytes = 0
    var requestEnded = false
    var responseStarted = false
    var expectsContinue: Bool
    var continueSent = false
    /// Whether the client wants the connection kept alive, and may have it: a request that
    /// asked for an upgrade (answered otherwise) cannot be followed by another, as the
    /// decoder reads nothing after it.
    let keepAlive: Bool

    init(number: Int, head: HTTPRequestHead, shared: HTTPExchange) {
      self.number = number
      self.head = head
      self.shared = shared
      expectsContinue =
        head.headers.contains(name: "expect")
        && head.headers[canonicalForm: "expect"].contains { $0.lowercased() == "100-continue" }
      let upgrade =
        head.headers.contains(name: "upgrade")
        && head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }
      keepAlive = head.isKeepAlive && !upgrade
    }
  }

  let server: HTTPServerCore
  private let isTLS: Bool
  private(set) var context: ChannelHandlerContext?
  private(set) var peer = "a client"
  var exchange: Exchange?
  /// The current request, until it is handed to the program: once its body is whole (or
  /// large, or awaited with `Expect: 100-continue`), so that reading a small body whole
  /// does not wait. Dropped unseen if the connection closes first.
  private var undelivered: HTTPRequest?
  private(set) var requestNumber = 0
  /// Reading is held back while the body queue is full.
  private var bodyPaused = false
  /// A read() arrived while reading was held back.
  private var readPending = false
  /// A refused connection drops what it still receives until it closes.
  private var draining = false
  /// The server's stop has been passed on to NIO's pipelining handler.
  private var quiesced = false

  init(server: HTTPServerCore, isTLS: Bool) {
    self.server = server
    self.isTLS = isTLS
  }

  var logger: Logger { server.configuration.logger }

  func handlerAdded(context: ChannelHandlerContext) {
    self.context = context
    if let address = context.channel.remoteAddress { peer = HTTPServerCore.describe(address) }
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    self.context = nil
  }

  // MARK: Requests in

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard !draining else { return }
    switch unwrapInboundIn(data) {
    case .head(let head): received(head, context: context)
    case .body(let chunk): received(chunk, context: context)
    case .end: requestEnded(context: context)
    }
  }

  private func received(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
    requestNumber += 1
    if server.hasMounts, let socket = server.mountedSocket(for: head) {
      upgradeToMountedSocket(head, socket: socket, context: context)
      return
    }
    if let declared = head.headers.first(name: "content-length").flatMap(Int.init),
      declared > server.configuration.maxBodySize
    {
      refuseOversize(head, "\(declared) bytes declared", context: context)
      return
    }
    let shared = HTTPExchange(bodyHighWater: server.bodyHighWater)
    exchange = Exchange(number: requestNumber, head: head, shared: shared)
    context.triggerUserOutboundEvent(ConnectionProgress.headReceived, promise: nil)
    let request = HTTPRequest(
      head: head, remoteAddress: context.channel.remoteAddress, exchange: shared,
      connection: HTTPConnectionHandle(handler: NIOLoopBound(self, eventLoop: context.eventLoop)),
      number: requestNumber, maxBodySize: server.configuration.maxBodySize)
    if exchange?.expectsContinue == true {
      hand(request, context: context)
    } else {
      undelivered = request
    }
  }

  /// Hands the current request to the program, if it has not been.
  private func deliver(context: ChannelHandlerContext) {
    guard let request = undelivered else { return }
    undelivered = nil
    hand(request, context: context)
  }

  /// Puts a request in ``HTTPServer/requests``; once those have ended (the server is closed,
  /// or its stop has run its course), nobody will take it: its connection is closed
  /// unanswered, as the server's connections are, rather than answered 500.
  private func hand(_ request: HTTPRequest, context: ChannelHandlerContext) {
    guard !server.requests.pushIfOpen(request) else { return }
    _ = request.exchange.claimAnswer()
    context.close(promise: nil)
  }

  private func received(_ chunk: ByteBuffer, context: ChannelHandlerContext) {
    guard var current = exchange, !current.requestEnded else { return }
    current.bodyBytes += chunk.readableBytes
    exchange = current
    guard current.bodyBytes <= server.configuration.maxBodySize else {
      let claimed = current.shared.claimAnswer()
      current.shared.body.finish(HTTPError.bodyTooLarge(limit: server.configuration.maxBodySize))
      if claimed {
        refuseOversize(current.head, "the body so far is larger", context: context)
      } else {
        context.close(promise: nil)
      }
      return
    }
    if current.shared.body.push(chunk, weight: chunk.readableBytes) {
      bodyPaused = true
    }
    if current.bodyBytes >= Self.deliveryThreshold { deliver(context: context) }
  }

  /// A body this large is not waited for before its request is handed to the program.
  static let deliveryThreshold = 16 * 1024

  private func requestEnded(context: ChannelHandlerContext) {
    guard var current = exchange else { return }
    current.requestEnded = true
    exchange = current
    current.shared.body.finish()
    context.triggerUserOutboundEvent(ConnectionProgress.requestReceived, promise: nil)
    deliver(context: context)
  }

  // MARK: Reading and backpressure

  func read(context: ChannelHandlerContext) {
    if bodyPaused || (!context.channel.isWritable && !draining) {
      readPending = true
    } else {
      context.read()
    }
  }

  func channelWritabilityChanged(context: ChannelHandlerContext) {
    if context.channel.isWritable { readIfPending(context: context) }
    context.fireChannelWritabilityChanged()
  }

  private func readIfPending(context: ChannelHandlerContext) {
    guard readPending, !bodyPaused, context.channel.isWritable || draining else { return }
    readPending = false
    context.read()
  }

  /// The request's body was taken back under the low water mark.
  func resumeBody(_ number: Int) {
    guard let context, exchange?.number == number else { return }
    bodyPaused = false
    readIfPending(context: context)
  }

  /// The program asked for the request's body: a client that sent `Expect: 100-continue`
  /// may send it now.
  func bodyWanted(_ number: Int) {
    guard let context, var current = exchange, current.number == number, current.expectsContinue,
      !current.continueSent, !current.responseStarted, !current.requestEnded
    else { return }
    current.continueSent = true
    exchange = current
    let head = HTTPResponseHead(version: current.head.version, status: .continue)
    context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
  }

  // MARK: Answers out

  /// A whole answer.
  func respond(_ number: Int, status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer) {
    guard let context, var current = exchange, current.number == number, !current.responseStarted else {
      return
    }
    current.responseStarted = true
    exchange = current
    var headers = headers
    headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
    let keepAlive = keepsAlive(current, headers: &headers)
    context.write(
      wrapOutboundOut(
        .head(HTTPResponseHead(version: current.head.version, status: status, headers: headers))),
      promise: nil)
    if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
    end(keepAlive: keepAlive, context: context)
  }

  /// The head of a streaming answer.
  func startStream(_ number: Int, status: HTTPResponseStatus, headers: HTTPHeaders) -> EventLoopFuture<Void> {
    guard let context, var current = exchange, current.number == number, !current.responseStarted else {
      return server.group.any().makeFailedFuture(HTTPError.connectionClosed)
    }
    current.responseStarted = true
    exchange = current
    var headers = headers
    _ = keepsAlive(current, headers: &headers)
    let head = HTTPResponseHead(version: current.head.version, status: status, headers: headers)
    return context.writeAndFlush(wrapOutboundOut(.head(head)))
  }

  /// A chunk of a streaming answer.
  func writeChunk(_ number: Int, _ chunk: ByteBuffer) -> EventLoopFuture<Void> {
    guard let context, exchange?.number == number else {
      return server.group.any().makeFailedFuture(HTTPError.connectionClosed)
    }
    return context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(chunk))))
  }

  /// The end of a streaming answer.
  func endStream(_ number: Int) -> EventLoopFuture<Void> {
    guard let context, let current = exchange, current.number == number else {
      return server.group.any().makeFailedFuture(HTTPError.connectionClosed)
    }
    var headers = HTTPHeaders()
    return end(keepAlive: keepsAlive(current, headers: &headers), context: context)
  }

  /// A streaming answer that cannot be completed: the connection is closed.
  func abortStream(_ number: Int, error: any Error) {
    guard let context, let current = exchange, current.number == number else { return }
    logger.warning(
      "closed the connection from \(peer): the streaming answer to \(current.head.method.rawValue) \(current.head.uri) failed: \(error)"
    )
    context.close(promise: nil)
  }

  /// A request the program dropped without answering: 500, logged.
  func dropped(_ number: Int) {
    guard let context, let current = exchange, current.number == number else { return }
    logger.error(
      "\(current.head.method.rawValue) \(current.head.uri) from \(peer) was dropped without an answer; answered 500"
    )
    if current.responseStarted {
      context.close(promise: nil)
    } else {
      respond(
        number, status: .internalServerError, headers: ["content-type": "text/plain; charset=utf-8"],
        body: ByteBuffer(string: "the server dropped the request without an answer\n"))
    }
  }

  /// The program closed the connection instead of answering the request.
  func closeUnanswered(_ number: Int) {
    guard let context, exchange?.number == number else { return }
    context.close(promise: nil)
  }

  /// The program read past the limit it gave ``HTTPRequest/body(upTo:)``.
  func refuseOversizeBody(_ number: Int, limit: Int) {
    guard let context, let current = exchange, current.number == number, !current.responseStarted else {
      return
    }
    logger.warning(
      "refused \(current.head.method.rawValue) \(current.head.uri) from \(peer): body exceeds the program's limit (\(limit) bytes)"
    )
    refuse(.payloadTooLarge, "request body exceeds \(limit) bytes", context: context)
  }

  /// A body past the server's limit: 413, logged with `detail`.
  private func refuseOversize(_ head: HTTPRequestHead, _ detail: String, context: ChannelHandlerContext) {
    let limit = server.configuration.maxBodySize
    logger.warning(
      "refused \(head.method.rawValue) \(head.uri) from \(peer): body exceeds \(server.configuration.limitNames.maxBodySize) (\(limit) bytes): \(detail)"
    )
    refuse(.payloadTooLarge, "request body exceeds \(limit) bytes", context: context)
  }

  /// Whether the connection stays open after the current answer; sets the `connection`
  /// header to say so.
  private func keepsAlive(_ current: Exchange, headers: inout HTTPHeaders) -> Bool {
    let asked =
      headers.contains(name: "connection")
      && headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
    let keepAlive = current.keepAlive && !asked && !server.isStopping
    if !keepAlive {
      headers.replaceOrAdd(name: "connection", value: "close")
    } else if current.head.version.minor == 0 {
      headers.replaceOrAdd(name: "connection", value: "keep-alive")
    }
    return keepAlive
  }

  /// Ends the current answer; the connection closes after it unless it is kept alive and
  /// the request is whole (a body the program did not read cannot be skipped).
  @discardableResult
  private func end(keepAlive: Bool, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
    let requestWhole = exchange?.requestEnded ?? true
    if requestWhole {
      exchange = nil
      bodyPaused = false
    }
    // Before the end goes out: writing it may hand the next pipelined request in at once.
    context.triggerUserOutboundEvent(ConnectionProgress.answerSent, promise: nil)
    let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
    if !keepAlive || !requestWhole {
      if !requestWhole, let current = exchange {
        current.shared.body.finish(HTTPError.alreadyAnswered)
        exchange = nil
      }
      closeGently(after: written, context: context)
    } else {
      readIfPending(context: context)
    }
    return written
  }

  // MARK: Refusals and errors

  /// Answers with `status` and `text`, then closes the connection.
  func refuse(_ status: HTTPResponseStatus, _ text: String, context: ChannelHandlerContext) {
    let version = exchange?.head.version ?? .http1_1
    // Refusals claim the answer first: the request, dropped unseen, is not answered again.
    undelivered = nil
    exchange?.shared.body.finish(HTTPError.alreadyAnswered)
    exchange = nil
    var headers: HTTPHeaders = ["content-type": "text/plain; charset=utf-8", "connection": "close"]
    headers.add(name: "content-length", value: String(text.utf8.count))
    context.write(
      wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))),
      promise: nil)
    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
    let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
    closeGently(after: written, context: context)
  }

  /// Closes after `written`: first the sending side, then, once the client closes too (or a
  /// second later), the rest. What arrives meanwhile is dropped. Closing at once with bytes
  /// unread would reset the connection, which can destroy the answer before the client
  /// reads it.
  private func closeGently(after written: EventLoopFuture<Void>, context: ChannelHandlerContext) {
    draining = true
    bodyPaused = false
    readIfPending(context: context)
    let channel = context.channel
    let isTLS = isTLS
    written.whenComplete { _ in
      guard !isTLS else {
        channel.close(promise: nil)
        return
      }
      channel.close(mode: .output, promise: nil)
      channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
    }
  }

  /// The server is stopping: NIO's pipelining handler (ahead of this one) is told to close the
  /// connection once the request in flight is answered, or at once when there is none. Once:
  /// a second time trips its assertion.
  func quiesce() {
    guard !quiesced, let context else { return }
    quiesced = true
    context.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if case ChannelEvent.inputClosed = event, draining {
      context.close(promise: nil)
      return
    }
    context.fireUserInboundEventTriggered(event)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    guard let parserError = error as? HTTPParserError else {
      if isTLS, error is SPError {
        // A failed handshake (or TLS broken later), its cause in words from the TLS handlers:
        // a bad or missing client certificate, an unknown authority, a client not speaking TLS.
        logger.warning("closed the connection from \(peer): \(error)")
      } else {
        logger.debug("closed the connection from \(peer): \(error)")
      }
      context.close(promise: nil)
      return
    }
    if parserError == .invalidEOFState {
      // The client closed in the middle of a request (not one already refused: what it still
      // sent is dropped unparsed).
      if exchange == nil, !draining {
        logger.info("the connection from \(peer) closed in the middle of a request head")
      }
      connectionGone()
      context.close(promise: nil)
      return
    }
    let started = exchange?.responseStarted ?? false
    let claimed = exchange.map { $0.shared.claimAnswer() } ?? true
    exchange?.shared.body.finish(HTTPError.connectionClosed)
    guard !draining, !started, claimed else {
      context.close(promise: nil)
      return
    }
    if parserError == .headerOverflow {
      let limit = server.configuration.maxHeaderSize
      logger.warning(
        "refused a request from \(peer) (431): its head exceeds \(server.configuration.limitNames.maxHeaderSize) (\(limit) bytes)"
      )
      refuse(.requestHeaderFieldsTooLarge, "request head exceeds \(limit) bytes", context: context)
    } else {
      logger.warning("refused a bad request from \(peer) (400): \(parserError)")
      refuse(.badRequest, "bad request: \(parserError)", context: context)
    }
  }

  func channelInactive(context: ChannelHandlerContext) {
    connectionGone()
    context.fireChannelInactive()
  }

  /// The connection is gone: the request in flight (if any) hears of it, and a body cut
  /// short is logged.
  private func connectionGone() {
    defer { undelivered = nil }
    if let current = exchange {
      current.shared.markClosed()
      if !current.requestEnded {
        logger.warning(
          "the connection from \(peer) closed in the middle of \(current.head.method.rawValue) \(current.head.uri) after \(current.bodyBytes) bytes of its body"
        )
      }
      current.shared.body.finish(HTTPError.connectionClosed)
      exchange = nil
    }
  }

  /// What a timed-out wait writes before the connection closes: 408 while a request is
  /// arriving, nothing for an idle connection or once an answer has begun.
  func timedOut(_ wait: ConnectionDeadlineStateMachine.Wait) -> [UInt8] {
    let configuration = server.configuration
    let names = configuration.limitNames
    let reason: String
    switch wait {
    case .idle:
      logger.debug(
        "closed the connection from \(peer): no request begun within \(configuration.describe(names.idleTimeout, configuration.idleTimeout))"
      )
      return []
    case .head:
      reason =
        "no whole request head within \(configuration.describe(names.headTimeout, configuration.headTimeout))"
    case .body, .answer:
      reason =
        "no whole request body within \(configuration.describe(names.bodyTimeout, configuration.bodyTimeout))"
    }
    logger.warning("closed the connection from \(peer): \(reason)")
    if let current = exchange {
      // Claimed before the body fails: the program, hearing of it, would drop the request.
      let claimed = current.shared.claimAnswer()
      current.shared.body.finish(HTTPError.connectionClosed)
      guard claimed else { return [] }
    }
    draining = true
    return HTTPServerCore.rawResponse(.requestTimeout, text: reason)
  }
}
