import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import StarlingNetwork

extension WebSocket {
  /// Opens a WebSocket connection to `url`.
  ///
  /// - Parameters:
  ///   - url: `ws://host:port/path`, or `wss://…`, whose TLS settings come from
  ///     ``Configuration/tls``.
  ///   - subprotocols: the subprotocols offered, in order of preference; the server picks
  ///     one (``subprotocol``) or none.
  ///   - headers: extra request headers (such as `Authorization`).
  ///   - configuration: limits, keep-alive, timeouts and TLS.
  /// - Throws: ``WebSocketError/upgradeFailed(_:)`` when the server refuses the upgrade or
  ///   answers it wrongly, `SPError.connectionRefused`, `SPError.timedOut`,
  ///   `SPError.invalidAddress`, `SPError.tlsFailed` …
  public static func connect(
    _ url: String, subprotocols: [String] = [], headers: HTTPHeaders = [:],
    configuration: Configuration = Configuration()
  ) async throws -> WebSocket {
    let address = try Address(url)
    guard address.transport == .ws || address.transport == .wss else {
      throw SPError.unsupportedTransport(address.scheme)
    }
    let tls =
      address.transport == .wss ? try TLSContext(configuration.tls, role: .dialer, address: address) : nil
    let loop = MultiThreadedEventLoopGroup.singleton.next()
    let opened = loop.makePromise(of: WebSocket.self)
    let channel: any Channel
    do {
      channel = try await StreamBootstrap.connect(
        to: address, tls: tls, timeout: configuration.connectTimeout, on: loop
      ) { channel in
        let request = WebSocketClientRequestHandler(
          address: address, subprotocols: subprotocols, headers: headers, opened: opened)
        let upgrader = NIOWebSocketClientUpgrader(
          maxFrameSize: configuration.maxMessageSize, automaticErrorHandling: false
        ) { channel, response in
          channel.eventLoop.makeCompletedFuture {
            let agreed = response.headers.first(name: "sec-websocket-protocol")
            if let agreed, !subprotocols.contains(agreed) {
              throw WebSocketError.upgradeFailed(
                "the server agreed to subprotocol '\(agreed)', which was not offered")
            }
            let sync = channel.pipeline.syncOperations
            sync.removeHandler(try sync.handler(type: WebSocketClientRequestHandler.self), promise: nil)
            let core = WebSocketCore(maxQueuedMessages: configuration.maxQueuedMessages)
            let handler = WebSocketHandler(role: .client, core: core, configuration: configuration)
            try sync.addHandler(handler)
            opened.succeed(
              WebSocket(
                subprotocol: agreed, channel: channel, core: core,
                handler: NIOLoopBound(handler, eventLoop: channel.eventLoop)))
          }
        }
        let sync = channel.pipeline.syncOperations
        // Frames sent right behind the 101 must reach the WebSocket decoder.
        try sync.addHTTPClientHandlers(
          leftOverBytesStrategy: .forwardBytes,
          withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
        try sync.addHandler(request)
      }
    } catch {
      opened.fail(error)
      throw error
    }
    let timeout = loop.scheduleTask(in: TimeAmount(configuration.connectTimeout)) {
      opened.fail(
        WebSocketError.upgradeFailed("no answer to the upgrade within \(configuration.connectTimeout)"))
    }
    defer { timeout.cancel() }
    do {
      return try await opened.futureResult.get()
    } catch {
      channel.close(promise: nil)
      throw error
    }
  }
}

/// Sends a WebSocket client's upgrade request, and fails the connection with a clear error
/// when the server answers with anything but the upgrade. Removed once the upgrade succeeds.
final class WebSocketClientRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPClientResponsePart
  typealias OutboundOut = HTTPClientRequestPart

  private let address: Address
  private let subprotocols: [String]
  private let headers: HTTPHeaders
  private let opened: EventLoopPromise<WebSocket>
  private var sent = false

  init(address: Address, subprotocols: [String], headers: HTTPHeaders, opened: EventLoopPromise<WebSocket>) {
    self.address = address
    self.subprotocols = subprotocols
    self.headers = headers
    self.opened = opened
  }

  func handlerAdded(context: ChannelHandlerContext) {
    if context.channel.isActive { sendRequest(context: context) }
  }

  func channelActive(context: ChannelHandlerContext) {
    sendRequest(context: context)
    context.fireChannelActive()
  }

  private func sendRequest(context: ChannelHandlerContext) {
    guard !sent else { return }
    sent = true
    var headers = headers
    let host = address.host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "localhost"
    let defaultPort = address.transport == .wss ? 443 : 80
    headers.replaceOrAdd(name: "host", value: address.port == defaultPort ? host : "\(host):\(address.port)")
    if !subprotocols.isEmpty {
      headers.replaceOrAdd(name: "sec-websocket-protocol", value: subprotocols.joined(separator: ", "))
    }
    headers.replaceOrAdd(name: "content-length", value: "0")
    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: address.path, headers: headers)
    context.write(wrapOutboundOut(.head(head)), promise: nil)
    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard case .head(let response) = unwrapInboundIn(data) else { return }
    let error = WebSocketError.upgradeFailed(
      "the server answered \(response.status.code) \(response.status.reasonPhrase) to the upgrade of \(address.path)"
    )
    opened.fail(error)
    context.close(promise: nil)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    opened.fail(error is NIOHTTPClientUpgradeError ? WebSocketError.upgradeFailed("\(error)") : error)
    context.close(promise: nil)
  }

  func channelInactive(context: ChannelHandlerContext) {
    opened.fail(WebSocketError.upgradeFailed("the server closed the connection during the upgrade"))
    context.fireChannelInactive()
  }
}
