import NIOCore
import NIOHTTP1
import NIOPosix
import Starling
import StarlingNetwork

/// An HTTP/1.1 server: a stream of requests, each answered with a reply.
///
/// ```swift
/// let server = try await HTTPServer.listen("http://127.0.0.1:8080")
/// for await request in server.requests {
///   try await request.reply(body: "hello, \(request.path)\n")
/// }
/// ```
///
/// Requests from every connection arrive in ``requests`` as soon as their heads have; several
/// tasks may take from it at once (each request goes to one). A connection's next request is
/// read only once the current one is answered, so pipelined requests are answered in order.
/// Connections are kept alive; `Expect: 100-continue` is answered when the body is read.
/// What breaks a limit of the ``Configuration`` is answered by the server itself (413, 431,
/// 408, 400) and logged, and the server goes on serving everyone else.
///
/// WebSocket: a request for one is upgraded with
/// ``HTTPRequest/upgradeToWebSocket(subprotocol:configuration:)``; an SP socket can be
/// ``mount(_:at:)``-ed on a path, so that SP peers dialing `ws://host:port/path` reach it on
/// the server's port.
public final class HTTPServer: Sendable {
  /// The address listened on; with port 0 asked for, it holds the port chosen.
  public let address: Address
  let core: HTTPServerCore
  private let channel: any Channel

  private init(address: Address, core: HTTPServerCore, channel: any Channel) {
    self.address = address
    self.core = core
    self.channel = channel
  }

  /// Listens at `url`: `http://host:port` or `https://host:port` (with
  /// ``Configuration/tls``); port 0 picks a free port, a host of `*` or `0.0.0.0` listens on
  /// every interface.
  ///
  /// - Throws: `SPError.invalidAddress`, `SPError.unsupportedTransport`
  ///   for another scheme, `SPError.addressInUse`, `SPError.tlsFailed`.
  public static func listen(
    _ url: String, configuration: Configuration = Configuration()
  ) async throws -> HTTPServer {
    try await start(url, socket: nil, configuration: configuration)
  }

  /// Serves on a socket that is bound and listening already, given by its descriptor: one a
  /// service manager passed in, or one a stopping server kept open for the server that
  /// replaces it, so that no client is refused in between (connections made meanwhile wait
  /// in the socket's backlog until this server accepts them). Several processes can serve
  /// one port this way, each with a socket of its own bound with `SO_REUSEPORT`.
  ///
  /// ```swift
  /// let server = try await HTTPServer.listen("http://127.0.0.1:8080", adopting: descriptor)
  /// ```
  ///
  /// `url` gives the scheme (`http://` or `https://`, with ``Configuration/tls``) and the
  /// address the socket is bound to; ``address`` has the socket's own port. The server owns
  /// the descriptor from then on, and closes it when the listener closes
  /// (``stopAccepting()``, ``stop(gracePeriod:)``, ``close()``): to hand the socket on after
  /// that, give the server a duplicate (`dup`) and keep the original.
  ///
  /// - Throws: `SPError.invalidAddress`, `SPError.unsupportedTransport` for another
  ///   scheme, `SPError.tlsFailed`, `SPError.connectionFailed` for a descriptor that is
  ///   not a listening stream socket.
  public static func listen(
    _ url: String, adopting descriptor: CInt, configuration: Configuration = Configuration()
  ) async throws -> HTTPServer {
    try await start(url, socket: descriptor, configuration: configuration)
  }

  private static func start(
    _ url: String, socket: CInt?, configuration: Configuration
  ) async throws -> HTTPServer {
    let address = try Address(url)
    guard address.transport == .http || address.transport == .https else {
      throw SPError.unsupportedTransport(address.scheme)
    }
    let tls =
      address.transport == .https ? try TLSContext(configuration.tls, role: .listener, address: address) : nil
    let group = MultiThreadedEventLoopGroup.singleton
    let core = HTTPServerCore(configuration: configuration, group: group, scheme: address.scheme)
    let isTLS = tls != nil
    let channel = try await StreamBootstrap.bind(
      address, socket: socket, tls: tls, group: group,
      initializeServer: { channel in
        try channel.pipeline.syncOperations.addHandler(
          HTTPAcceptHandler(
            registry: core.connections, logger: configuration.logger,
            limitName: configuration.limitNames.maxConnections), position: .first)
      },
      initialize: { channel in try configureConnection(channel, core: core, isTLS: isTLS) })
    let port = channel.localAddress?.port ?? address.port
    let host = address.host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "0.0.0.0"
    let bound = (try? Address("\(address.scheme)://\(host):\(port)")) ?? address
    return HTTPServer(address: bound, core: core, channel: channel)
  }

  /// Sets up an accepted connection's pipeline on its event loop: the connection timeouts,
  /// NIO's HTTP/1.1 decoder, encoder and pipelining handler with the configuration's header
  /// limits, then an ``HTTPConnectionHandler`` handing requests to `core`.
  /// ``listen(_:configuration:)`` runs it for every connection; the `http` fuzz target
  /// (Fuzz/Sources) runs it on an `EmbeddedChannel`.
  static func configureConnection(_ channel: any Channel, core: HTTPServerCore, isTLS: Bool) throws {
    var limits = NIOHTTPDecoderLimitConfiguration()
    limits.maxHeaderListSize = core.configuration.maxHeaderSize
    limits.maxHeaderFieldSize = core.configuration.maxHeaderSize
    let sync = channel.pipeline.syncOperations
    let handler = HTTPConnectionHandler(server: core, isTLS: isTLS)
    let loopBound = NIOLoopBound(handler, eventLoop: channel.eventLoop)
    try sync.addHandler(ConnectionTimeoutHandler(timeouts: core.timeouts) { loopBound.value.timedOut($0) })
    try sync.configureHTTPServerPipeline(
      withPipeliningAssistance: true, withServerUpgrade: nil, withErrorHandling: false,
      withOutboundHeaderValidation: true, withEncoderConfiguration: HTTPResponseEncoder.Configuration(),
      withDecoderLimitConfiguration: limits)
    try sync.addHandler(handler)
    // A connection accepted as the server began to stop may have missed the stop's word (it
    // came before the handlers did): it hears it now.
    if core.isStopping {
      channel.eventLoop.execute { loopBound.value.quiesce() }
    }
  }

  /// The requests, from every connection, as their heads arrive. The sequence ends once the
  /// server has stopped (or closed) and every request it took was handed out.
  public var requests: HTTPServerRequests { HTTPServerRequests(core: core) }

  /// How many connections are open.
  public var connectionCount: Int { core.connections.count }

  /// Serves an SP socket over WebSocket at `path` on this server's port: an SP peer that
  /// dials `ws://host:port/path` (asking for the socket's subprotocol, such as
  /// `rep.sp.nanomsg.org`) becomes a pipe of the socket, as if the socket listened there
  /// itself. A WebSocket request for the path with another subprotocol is answered 400.
  ///
  /// - Throws: `SPError.addressInUse` when a socket is mounted at `path` already.
  public func mount(_ socket: some Socket, at path: String) throws {
    try core.mount(socket.webSocketMount, at: path)
  }

  /// Stops serving the SP socket mounted at `path` (its connections stay until the socket
  /// closes them).
  public func unmount(at path: String) {
    core.unmount(at: path)
  }

  /// Stops accepting connections, and returns once the listening socket is closed (so that
  /// another server can listen on its port, or take a socket it was sharing); the connections
  /// open are served on, until ``stop(gracePeriod:)`` or ``close()``.
  public func stopAccepting() async {
    try? await channel.close()
  }

  /// Stops gracefully: no new connections; idle ones are closed, requests in flight are
  /// answered (with `Connection: close`) and their connections then closed; WebSockets are
  /// closed with 1001 (going away). Returns when every connection is closed, or after
  /// `gracePeriod`, when the rest are closed at once. Then ``requests`` ends.
  public func stop(gracePeriod: Duration = .seconds(30)) async {
    core.beginStopping()
    try? await channel.close()
    let open = core.connections.close()
    for connection in open {
      connection.eventLoop.execute {
        // An HTTP connection finishes its request in flight; an upgraded one closes its
        // WebSocket. One not set up yet is told when it is (see listen).
        if let handler = try? connection.pipeline.syncOperations.handler(type: HTTPConnectionHandler.self) {
          handler.quiesce()
        } else {
          connection.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
      }
    }
    let loop = channel.eventLoop
    let deadline = loop.scheduleTask(in: TimeAmount(gracePeriod)) {
      for connection in open { connection.close(promise: nil) }
    }
    try? await core.connections.whenEmpty(on: loop).get()
    deadline.cancel()
    core.requests.finish()
  }

  /// Closes at once: the listener and every connection; requests not answered yet fail
  /// with ``HTTPError/connectionClosed``. ``requests`` ends.
  public func close() {
    core.beginStopping()
    channel.close(promise: nil)
    for connection in core.connections.close() { connection.close(promise: nil) }
    core.requests.finish()
  }
}

/// The requests of an ``HTTPServer``, as an asynchronous sequence (``HTTPServer/requests``).
public struct HTTPServerRequests: AsyncSequence, Sendable {
  /// A request.
  public typealias Element = HTTPRequest

  let core: HTTPServerCore

  /// Makes an iterator. Several iterators may take from the same server: each request goes
  /// to one.
  public func makeAsyncIterator() -> Iterator { Iterator(core: core) }

  /// Takes the requests one by one.
  public struct Iterator: AsyncIteratorProtocol {
    let core: HTTPServerCore

    /// The next request; `nil` once the server has stopped and every request was handed
    /// out, or when the calling task is cancelled while it waits.
    public mutating func next() async -> HTTPRequest? {
      // The queue of requests never ends with an error.
      (try? await core.requests.next()) ?? nil
    }
  }
}
