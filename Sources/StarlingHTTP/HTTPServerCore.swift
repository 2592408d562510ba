import NIOCore
import NIOHTTP1
import Starling
import StarlingNetwork
import Synchronization

import struct StarlingChannels.Lock

/// What an ``HTTPServer`` and its connections' handlers share: the configuration, the queue
/// of requests, the mounted SP sockets, the open connections and whether the server stops.
final class HTTPServerCore: Sendable {
  let configuration: HTTPServer.Configuration
  let group: any EventLoopGroup
  /// Requests waiting for the program (one per connection at most: the next request of a
  /// connection is not read before this one is answered).
  let requests = Handoff<HTTPRequest>()
  let connections: HTTPConnectionRegistry
  /// A request body queue pauses reading at this many bytes.
  let bodyHighWater = 256 * 1024
  /// `http` or `https`.
  let scheme: String
  private let mounts = Lock<[String: WebSocketMount]>.make([:])
  private let mounted = Atomic<Bool>(false)
  private let stopping = Atomic<Bool>(false)

  init(configuration: HTTPServer.Configuration, group: any EventLoopGroup, scheme: String) {
    self.configuration = configuration
    self.group = group
    self.scheme = scheme
    connections = HTTPConnectionRegistry(limit: configuration.maxConnections)
  }

  /// The connection timeouts the configuration asks for.
  var timeouts: ConnectionTimeouts {
    ConnectionTimeouts(
      idle: configuration.idleTimeout, head: configuration.headTimeout, body: configuration.bodyTimeout)
  }

  /// Whether the server is stopping: answers close their connections.
  var isStopping: Bool { stopping.load(ordering: .relaxed) }

  func beginStopping() { stopping.store(true, ordering: .relaxed) }

  // MARK: Mounted SP sockets

  /// Whether any SP socket is mounted (so a request head is looked up only then).
  var hasMounts: Bool { mounted.load(ordering: .relaxed) }

  func mount(_ mount: WebSocketMount, at path: String) throws(SPError) {
    let added = mounts.withLock { mounts in
      guard mounts[path] == nil else { return false }
      mounts[path] = mount
      return true
    }
    guard added else { throw .addressInUse("a socket is mounted at path '\(path)' already") }
    mounted.store(true, ordering: .relaxed)
  }

  func unmount(at path: String) {
    let empty = mounts.withLock { mounts in
      mounts[path] = nil
      return mounts.isEmpty
    }
    if empty { mounted.store(false, ordering: .relaxed) }
  }

  /// The SP socket mounted at the path of a WebSocket upgrade request, if any.
  func mountedSocket(for head: HTTPRequestHead) -> WebSocketMount? {
    guard head.headers[canonicalForm: "upgrade"].contains(where: { $0.lowercased() == "websocket" }) else {
      return nil
    }
    let path = head.uri.firstIndex(of: "?").map { String(head.uri[..<$0]) } ?? head.uri
    return mounts.withLock { $0[path] }
  }

  // MARK: Helpers

  /// An address as `ip:port` (`[ip]:port` for IPv6).
  static func describe(_ address: SocketAddress) -> String {
    guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
    return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
  }

  /// A whole `Connection: close` response as bytes, for writing beneath the HTTP handlers.
  static func rawResponse(_ status: HTTPResponseStatus, text: String) -> [UInt8] {
    let head =
      "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\ncontent-type: text/plain; charset=utf-8\r\n"
      + "content-length: \(text.utf8.count)\r\nconnection: close\r\n\r\n"
    return Array(head.utf8) + Array(text.utf8)
  }
}
