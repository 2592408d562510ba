import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

import struct StarlingChannels.Lock

/// A ws or wss listener: one path on a WebSocket server.
///
/// Several sockets may listen on one port under different paths (as with nng); they share one
/// ``WebSocketServer``, which closes when the last of them does. Closing a listener closes the
/// connections made to its path.
final class WebSocketListener: TransportListener {
  /// The address actually listened on (with the real port when 0 was asked for).
  let address: Address
  private let server: WebSocketServer
  private let route: WebSocketServer.Route

  private init(address: Address, server: WebSocketServer, route: WebSocketServer.Route) {
    self.address = address
    self.server = server
    self.route = route
  }

  static func listen(
    _ address: Address, owner: any PipeOwner, options: SocketOptions, tls: TLSContext?, logger: Logger,
    group: any EventLoopGroup
  ) async throws -> WebSocketListener {
    let route = WebSocketServer.Route(owner: owner, options: options, logger: logger)
    let server = try await WebSocketServer.shared(
      for: address, tls: tls, options: options, logger: logger, group: group)
    do {
      try server.add(route, at: address.path)
    } catch {
      server.releaseIfUnused()
      throw error
    }
    return WebSocketListener(address: address.replacingPort(server.port), server: server, route: route)
  }

  func close() {
    server.remove(route, at: address.path)
  }
}

/// An HTTP server that upgrades requests for its paths to SP-over-WebSocket connections.
///
/// A request for a path nobody listens on is answered 404; one that does not ask for the
/// listening socket's subprotocol (or is not a WebSocket upgrade) 400.
final class WebSocketServer: Sendable {
  /// One socket listening at a path.
  final class Route: Sendable {
    let owner: any PipeOwner
    let options: SocketOptions
    let logger: Logger
    let connections = Lock<[ObjectIdentifier: any Channel]>.make([:])

    init(owner: any PipeOwner, options: SocketOptions, logger: Logger) {
      self.owner = owner
      self.options = options
      self.logger = logger
    }

    var subprotocol: String { WebSocketPipeHandler.subprotocol(owner.identity.name) }

    func track(_ channel: any Channel) {
      let id = ObjectIdentifier(channel)
      connections.withLock { $0[id] = channel }
      channel.closeFuture.whenComplete { [weak self] _ in
        _ = self?.connections.withLock { $0.removeValue(forKey: id) }
      }
    }

    func closeConnections() {
      for channel in connections.withLock({ $0.values }) { channel.close(promise: nil) }
    }
  }

  /// The servers, by scheme, host and port, so that sockets can share a port.
  private static let servers = Lock<[String: WebSocketServer]>.make([:])

  private let key: String
  /// `ws` or `wss`, for logs and statistics.
  private let transportName: String
  private let routes = Lock<[String: Route]>.make([:])
  private let channel = Lock<(any Channel)?>.make(nil)
  let logger: Logger
  /// The port bound.
  let port: Int

  private init(key: String, transportName: String, port: Int, logger: Logger) {
    self.key = key
    self.transportName = transportName
    self.port = port
    self.logger = logger
  }

  /// The server for `address`: the one already on its port, or a new one.
  static func shared(
    for address: Address, tls: TLSContext?, options: SocketOptions, logger: Logger, group: any EventLoopGroup
  ) async throws -> WebSocketServer {
    let key = { (port: Int) in "\(address.scheme)://\(address.host ?? "*"):\(port)" }
    if address.port != 0, let existing = servers.withLock({ $0[key(address.port)] }) { return existing }
    let target = try address.socketAddress()
    let holder = Lock<WebSocketServer?>.make(nil)
    var bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .backingOffAcceptFailures(at: address, logger: logger)
      .childChannelInitializer { child in
        guard let server = holder.withLock({ $0 }) else {
          return child.eventLoop.makeFailedFuture(SPError.closed)
        }
        return child.eventLoop.makeCompletedFuture { try server.configure(child, tls: tls, options: options) }
      }
    for (option, value) in NIODialer.tcpOptions(options) {
      bootstrap = bootstrap.childChannelOption(option, value: value)
    }
    let bound: any Channel
    do {
      bound = try await bootstrap.bind(to: target).get()
    } catch {
      throw SPError.describing(error).naming(address)
    }
    let port = bound.localAddress?.port ?? address.port
    let server = WebSocketServer(
      key: key(port), transportName: address.transport.rawValue, port: port, logger: logger)
    server.channel.withLock { $0 = bound }
    holder.withLock { $0 = server }
    // Had another socket bound this port meanwhile, this bind would have failed: this server
    // is the only one there.
    servers.withLock { $0[key(port)] = server }
    return server
  }

  /// Adds a socket at `path`.
  func add(_ route: Route, at path: String) throws(SPError) {
    let added = routes.withLock { routes -> Bool in
      guard routes[path] == nil else { return false }
      routes[path] = route
      return true
    }
    if !added { throw .addressInUse("a socket already listens at path '\(path)' on port \(port)") }
  }

  /// Removes the socket at `path`, closing its connections, and closes the server if it was the
  /// last.
  func remove(_ route: Route, at path: String) {
    routes.withLock { routes in
      if routes[path] === route { routes[path] = nil }
    }
    route.closeConnections()
    releaseIfUnused()
  }

  /// Closes the server if no socket listens on it.
  func releaseIfUnused() {
    let server = routes.withLock { routes -> (any Channel)? in
      guard routes.isEmpty else { return nil }
      return channel.withLock { channel in
        defer { channel = nil }
        return channel
      }
    }
    guard let server else { return }
    Self.servers.withLock { servers in
      if servers[key] === self { servers[key] = nil }
    }
    server.close(promise: nil)
  }

  /// The socket listening at the path of `uri`, if any.
  func route(for uri: String) -> Route? {
    let path = String(uri.prefix { $0 != "?" && $0 != "#" })
    return routes.withLock { $0[path] }
  }

  /// Whether a request may be upgraded: its path has a socket and it asks for that socket's
  /// subprotocol. Returns the response headers, or `nil` to refuse.
  func upgradeHeaders(for request: HTTPRequestHead) -> HTTPHeaders? {
    guard let route = route(for: request.uri) else { return nil }
    let asked = request.headers["Sec-WebSocket-Protocol"].flatMap { $0.split(separator: ",") }.map {
      String($0.filter { !$0.isWhitespace })
    }
    guard asked.contains(route.subprotocol) else { return nil }
    return ["Sec-WebSocket-Protocol": route.subprotocol]
  }

  /// Sets up a new connection: TLS for wss, the handshake deadline, HTTP with the WebSocket
  /// upgrade, and the handler that answers refused requests. Runs on its event loop. (Not
  /// private: the `ws-upgrade` fuzz target configures its connections with it.)
  func configure(_ child: any Channel, tls: TLSContext?, options: SocketOptions) throws {
    let sync = child.pipeline.syncOperations
    if let tls { try sync.addHandlers(tls.handlers()) }
    try sync.addHandler(WebSocketHandshakeDeadline(timeout: options.handshakeTimeout.timeAmount))
    let frameLimit = routes.withLock { routes in
      routes.values.map { WebSocketTransport.frameLimit($0.options.receiveMaxSize) }.max() ?? 0
    }
    let refusal = WebSocketRefusalHandler(server: self)
    let upgrader = NIOWebSocketServerUpgrader(
      maxFrameSize: frameLimit,
      automaticErrorHandling: false,
      shouldUpgrade: { [self] channel, head in
        channel.eventLoop.makeSucceededFuture(upgradeHeaders(for: head))
      },
      upgradePipelineHandler: { [self] channel, head in
        channel.eventLoop.makeCompletedFuture { try upgraded(channel, head: head, refusal: refusal) }
      })
    try sync.configureHTTPServerPipeline(
      withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
    try sync.addHandler(refusal)
  }

  /// Turns an upgraded connection into a pipe of the socket at its path.
  private func upgraded(
    _ channel: any Channel, head: HTTPRequestHead, refusal: WebSocketRefusalHandler
  ) throws {
    guard let route = route(for: head.uri) else {
      throw SPError.connectionFailed("the socket at '\(head.uri)' closed during the upgrade")
    }
    channel.pipeline.syncOperations.removeHandler(refusal, promise: nil)
    try WebSocketTransport.adopt(
      channel, owner: route.owner, receiveMaxSize: route.options.receiveMaxSize, transportName: transportName)
    route.track(channel)
  }
}

/// Answers a request the server does not upgrade: 404 for an unknown path, 400 for a wrong or
/// missing subprotocol; then closes the connection. The socket at the path hears of a refused
/// subprotocol as a failed connection.
final class WebSocketRefusalHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  private let server: WebSocketServer

  init(server: WebSocketServer) {
    self.server = server
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard case .head(let request) = unwrapInboundIn(data) else { return }
    let status: HTTPResponseStatus
    let text: String
    let peer = context.channel.remoteAddress.map { "\($0)" } ?? "a peer"
    if let route = server.route(for: request.uri) {
      status = .badRequest
      let asked = request.headers["Sec-WebSocket-Protocol"].first ?? "none"
      text = "this path speaks WebSocket subprotocol \(route.subprotocol); the request asked for \(asked)"
      route.owner.connectionFailed(.protocolError("WebSocket request refused (400): \(text)"), peer: peer)
    } else {
      status = .notFound
      text = "no SP socket listens at path \(request.uri)"
      server.logger.info("WebSocket request from \(peer) refused (404): \(text)")
    }
    var body = context.channel.allocator.buffer(capacity: text.utf8.count + 1)
    body.writeString(text + "\n")
    let headers: HTTPHeaders = [
      "Content-Type": "text/plain; charset=utf-8", "Content-Length": "\(body.readableBytes)",
      "Connection": "close",
    ]
    context.write(
      wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
      promise: nil)
    context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
    context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
  }
}
