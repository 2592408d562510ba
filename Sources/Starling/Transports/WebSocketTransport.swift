import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import StarlingNetwork

/// The ws and wss transports: SP over WebSocket (RFC 6455), as nng maps it.
///
/// The dialer asks for the subprotocol `<peer>.sp.nanomsg.org` and the listener echoes it;
/// there is no SP connection header, and each SP message is one binary WebSocket message.
struct WebSocketTransport: Transport {
  let schemes = ["ws", "wss"]

  func dialer(
    for address: Address, socket: any PipeOwner, context: TransportContext
  ) throws -> any TransportDialer {
    try NIODialer(address: address, socket: socket, context: context) { channel, options, attached in
      try Self.configureUpgrade(
        channel, address: address, owner: socket, options: options, attached: attached)
    }
  }

  func listen(
    at address: Address, socket: any PipeOwner, context: TransportContext
  ) async throws
    -> any TransportListener
  {
    let options = socket.options
    return try await WebSocketListener.listen(
      address, owner: socket, options: options,
      tls: try NIODialer.tls(for: address, options: options, role: .listener),
      logger: socket.logger, group: context.eventLoopGroup)
  }

  /// The frame limit for the WebSocket decoder: the receive limit, or 2 GiB for no limit.
  static func frameLimit(_ receiveMaxSize: Int) -> Int {
    receiveMaxSize > 0 ? receiveMaxSize : Int(Int32.max)
  }

  /// Makes an upgraded connection (NIO's frame encoder and decoder last in its pipeline) a
  /// pipe of `owner`, as a listener's side of the connection. Runs on the channel's event loop.
  static func adopt(
    _ channel: any Channel, owner: any PipeOwner, receiveMaxSize: Int, transportName: String
  ) throws {
    try channel.pipeline.syncOperations.addHandlers([
      WebSocketPipeHandler(maxSize: receiveMaxSize, masking: false),
      PipeChannelHandler(owner: owner, transportName: transportName, attached: nil),
    ])
    channel.pipeline.fireUserInboundEventTriggered(
      SPHandshakeCompleted(peerProtocol: owner.identity.peerNumber))
  }

  /// Sets up a dialed connection (after its TLS handlers) to ask for the WebSocket upgrade; once
  /// upgraded it becomes a pipe of `owner`, completing `attached`. Runs on the channel's event
  /// loop.
  static func configureUpgrade(
    _ channel: any Channel, address: Address, owner: any PipeOwner, options: SocketOptions,
    attached: EventLoopPromise<PipeID>
  ) throws {
    let subprotocol = WebSocketPipeHandler.subprotocol(owner.identity.peerName)
    let transportName = address.transport.rawValue
    let sync = channel.pipeline.syncOperations
    let deadline = WebSocketHandshakeDeadline(timeout: options.handshakeTimeout.timeAmount)
    let request = WebSocketRequestHandler(address: address, subprotocol: subprotocol, attached: attached)
    let upgrader = NIOWebSocketClientUpgrader(
      maxFrameSize: frameLimit(options.receiveMaxSize), automaticErrorHandling: false
    ) {
      channel, response in
      channel.eventLoop.makeCompletedFuture {
        let agreed = response.headers["Sec-WebSocket-Protocol"].first ?? "none"
        guard agreed == subprotocol else {
          throw SPError.protocolError(
            "the WebSocket listener agreed to subprotocol '\(agreed)', not '\(subprotocol)'")
        }
        let sync = channel.pipeline.syncOperations
        sync.removeHandler(try sync.handler(type: WebSocketRequestHandler.self), promise: nil)
        try sync.addHandlers([
          WebSocketPipeHandler(maxSize: options.receiveMaxSize, masking: true),
          PipeChannelHandler(owner: owner, transportName: transportName, attached: attached),
        ])
        channel.pipeline.fireUserInboundEventTriggered(
          SPHandshakeCompleted(peerProtocol: owner.identity.peerNumber))
      }
    }
    try sync.addHandler(deadline)
    // Frames the listener sends right behind its 101 response must reach the WebSocket
    // decoder, not be dropped with the HTTP decoder.
    try sync.addHTTPClientHandlers(
      leftOverBytesStrategy: .forwardBytes,
      withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
    try sync.addHandler(request)
  }
}

/// Sends the dialer's upgrade request, and fails the connection with a clear error when the
/// listener answers with anything but the upgrade. Removed once the upgrade succeeds.
final class WebSocketRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPClientResponsePart
  typealias OutboundOut = HTTPClientRequestPart

  private let address: Address
  private let subprotocol: String
  private let attached: EventLoopPromise<PipeID>

  init(address: Address, subprotocol: String, attached: EventLoopPromise<PipeID>) {
    self.address = address
    self.subprotocol = subprotocol
    self.attached = attached
  }

  func handlerAdded(context: ChannelHandlerContext) {
    if context.channel.isActive { sendRequest(context: context) }
  }

  func channelActive(context: ChannelHandlerContext) {
    sendRequest(context: context)
    context.fireChannelActive()
  }

  private var sent = false

  private func sendRequest(context: ChannelHandlerContext) {
    guard !sent else { return }
    sent = true
    let host = address.urlHost ?? "localhost"
    var headers = HTTPHeaders()
    headers.add(name: "Host", value: "\(host):\(address.port)")
    headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol)
    headers.add(name: "Content-Length", value: "0")
    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: address.path, headers: headers)
    context.write(wrapOutboundOut(.head(head)), promise: nil)
    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard case .head(let response) = unwrapInboundIn(data) else { return }
    let reason = "\(response.status.code) \(response.status.reasonPhrase)"
    let error: SPError =
      switch response.status {
      case .notFound: .connectionFailed("no WebSocket listener at path '\(address.path)' (\(reason))")
      case .badRequest:
        .protocolError("the listener refused the WebSocket subprotocol '\(subprotocol)' (\(reason))")
      default: .connectionFailed("the listener refused the WebSocket upgrade (\(reason))")
      }
    context.fireErrorCaught(error)
    attached.fail(error)
    context.close(promise: nil)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    let failure: any Error =
      if error is NIOHTTPClientUpgradeError {
        SPError.protocolError("the WebSocket upgrade failed: \(error)")
      } else {
        error
      }
    attached.fail(failure)
    context.fireErrorCaught(failure)
    context.close(promise: nil)
  }

  func channelInactive(context: ChannelHandlerContext) {
    attached.fail(SPError.connectionFailed("the listener closed the connection during the WebSocket upgrade"))
    context.fireChannelInactive()
  }
}

/// Closes a WebSocket connection that has not finished its upgrade (and, for wss, its TLS
/// handshake) within the handshake timeout.
final class WebSocketHandshakeDeadline: ChannelInboundHandler {
  typealias InboundIn = NIOAny

  private let timeout: TimeAmount
  private var timer: Scheduled<Void>?

  init(timeout: TimeAmount) {
    self.timeout = timeout
  }

  func handlerAdded(context: ChannelHandlerContext) {
    let timeout = self.timeout
    let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
    timer = context.eventLoop.scheduleTask(in: timeout) {
      let context = loopBound.value
      context.fireErrorCaught(SPError.protocolError("no WebSocket upgrade within \(timeout)"))
      context.close(promise: nil)
    }
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    timer?.cancel()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    context.fireChannelRead(data)
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if event is SPHandshakeCompleted { timer?.cancel() }
    context.fireUserInboundEventTriggered(event)
  }
}

/// What a server of another library (StarlingHTTP's `HTTPServer`) needs to serve an SP socket
/// over WebSocket on one of its paths, beside its other requests.
package struct WebSocketMount: Sendable {
  /// The subprotocol a peer must ask for, such as `rep.sp.nanomsg.org`.
  package let subprotocol: String
  /// The largest frame the server's WebSocket decoder should accept.
  package let maxFrameSize: Int
  /// Makes an upgraded connection a pipe of the socket. Call it on the channel's event loop,
  /// once the HTTP handlers are gone and NIO's WebSocket frame encoder and decoder are last in
  /// the pipeline.
  package let adopt: @Sendable (_ channel: any Channel, _ transportName: String) throws -> Void
}

extension Socket {
  /// How another server serves this socket over WebSocket on a path of its own.
  package var webSocketMount: WebSocketMount {
    let core = socketHandle.core
    let limit = core.options.receiveMaxSize
    return WebSocketMount(
      subprotocol: WebSocketPipeHandler.subprotocol(core.identity.name),
      maxFrameSize: WebSocketTransport.frameLimit(limit)
    ) { channel, transportName in
      try WebSocketTransport.adopt(channel, owner: core, receiveMaxSize: limit, transportName: transportName)
    }
  }
}
