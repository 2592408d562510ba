import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Starling
import StarlingNetwork

extension HTTPConnectionHandler {
  /// Upgrades the current request to a WebSocket for the program.
  func upgrade(
    _ number: Int, subprotocol: String?, configuration: WebSocket.Configuration?
  ) -> EventLoopFuture<WebSocket> {
    guard let context, let current = exchange, current.number == number else {
      return server.group.any().makeFailedFuture(HTTPError.connectionClosed)
    }
    var configuration = configuration ?? server.configuration.webSocket
    if configuration.logger == nil { configuration.logger = server.configuration.logger }
    let settings = configuration
    return acceptUpgrade(current, subprotocol: subprotocol, context: context) { channel in
      let core = WebSocketCore(maxQueuedMessages: settings.maxQueuedMessages)
      let handler = WebSocketHandler(role: .server, core: core, configuration: settings)
      try Self.replaceHTTPHandlers(in: channel, maxFrameSize: settings.maxMessageSize, with: handler)
      return WebSocket(
        subprotocol: subprotocol, channel: channel, core: core,
        handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
    }
  }

  /// A WebSocket request for the path of a mounted SP socket: upgraded and handed to the
  /// socket when it asks for the socket's subprotocol, else answered 400.
  func upgradeToMountedSocket(_ head: HTTPRequestHead, socket: WebSocketMount, context: ChannelHandlerContext)
  {
    let offered = head.headers[canonicalForm: "sec-websocket-protocol"].map(String.init)
    let shared = HTTPExchange(bodyHighWater: server.bodyHighWater)
    let current = Exchange(number: requestNumber, head: head, shared: shared)
    exchange = current
    _ = shared.claimAnswer()
    guard offered.contains(socket.subprotocol) else {
      let reason =
        "this path speaks WebSocket subprotocol \(socket.subprotocol); the request asked for \(offered.isEmpty ? "none" : offered.joined(separator: ", "))"
      refuseUpgrade(current.number, reason: reason)
      return
    }
    // Upgraded once the decoder is done with this request (it is on the stack now).
    let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
    let transport = server.scheme == "https" ? "wss" : "ws"
    let requestNumber = requestNumber
    context.eventLoop.execute {
      let handler = loopBound.value
      guard let context = handler.context, let current = handler.exchange, current.number == requestNumber
      else {
        return
      }
      handler.acceptUpgrade(current, subprotocol: socket.subprotocol, context: context) { channel in
        try Self.replaceHTTPHandlers(in: channel, maxFrameSize: socket.maxFrameSize, with: nil)
        try socket.adopt(channel, transport)
      }.assumeIsolated().whenFailure { error in
        handler.server.configuration.logger.warning(
          "the SP WebSocket upgrade of \(head.uri) from \(handler.peer) failed: \(error)")
        context.close(promise: nil)
      }
    }
  }

  /// Refuses an upgrade: 400, logged, the connection closed.
  func refuseUpgrade(_ number: Int, reason: String) {
    guard let context, exchange?.number == number else { return }
    logger.warning("refused the WebSocket upgrade of \(exchange?.head.uri ?? "?") from \(peer): \(reason)")
    refuse(.badRequest, "WebSocket upgrade refused: \(reason)", context: context)
  }

  /// Answers `101 Switching Protocols` (after checking the request's WebSocket headers) and
  /// then runs `replace`, which swaps the HTTP handlers for WebSocket ones.
  private func acceptUpgrade<Result: Sendable>(
    _ current: Exchange, subprotocol: String?, context: ChannelHandlerContext,
    replace: @escaping (any Channel) throws -> Result
  ) -> EventLoopFuture<Result> {
    let loop = context.eventLoop
    guard current.requestEnded else {
      refuseUpgrade(current.number, reason: "a WebSocket upgrade request has no body")
      return loop.makeFailedFuture(HTTPError.notAWebSocketUpgrade(reason: "the request has a body"))
    }
    let key = current.head.headers[canonicalForm: "sec-websocket-key"]
    let version = current.head.headers[canonicalForm: "sec-websocket-version"]
    guard current.head.method == .GET, key.count == 1, version == ["13"],
      let accept = WebSocketAccept.value(for: String(key[0]))
    else {
      let reason = "a WebSocket upgrade is a GET with one Sec-WebSocket-Key and Sec-WebSocket-Version 13"
      refuseUpgrade(current.number, reason: reason)
      return loop.makeFailedFuture(HTTPError.notAWebSocketUpgrade(reason: reason))
    }
    var headers: HTTPHeaders = [
      "upgrade": "websocket", "connection": "upgrade", "sec-websocket-accept": accept,
    ]
    if let subprotocol { headers.add(name: "sec-websocket-protocol", value: subprotocol) }
    exchange = nil
    let head = HTTPResponseHead(version: current.head.version, status: .switchingProtocols, headers: headers)
    context.write(wrapOutboundOut(.head(head)), promise: nil)
    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    let channel = context.channel
    return loop.makeCompletedFuture { try replace(channel) }
  }

  /// Removes the HTTP handlers (and the HTTP timeouts) from a connection that was upgraded,
  /// and puts NIO's WebSocket frame encoder and decoder in their place, then `handler`.
  private static func replaceHTTPHandlers(
    in channel: any Channel, maxFrameSize: Int, with handler: WebSocketHandler?
  ) throws {
    let sync = channel.pipeline.syncOperations
    let http: [any RemovableChannelHandler] = [
      try sync.handler(type: ConnectionTimeoutHandler.self),
      try sync.handler(type: HTTPResponseEncoder.self),
      try sync.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self),
      try sync.handler(type: HTTPServerPipelineHandler.self),
      try sync.handler(type: NIOHTTPResponseHeadersValidator.self),
      try sync.handler(type: HTTPConnectionHandler.self),
    ]
    for old in http { sync.removeHandler(old, promise: nil) }
    try sync.addHandler(WebSocketFrameEncoder())
    try sync.addHandler(ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxFrameSize)))
    if let handler { try sync.addHandler(handler) }
  }
}
