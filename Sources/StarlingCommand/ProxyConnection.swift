import Foundation
import NIOCore

/// A client's connection through the proxy: the channel it connected on, the channel to the
/// server, and a ``ProxyPump`` each way. Lives on the event loop of its two channels; every
/// method is called there.
final class ProxyConnection {
  /// How a connection ended, and what crossed it.
  struct Summary: Sendable {
    /// The connection's number, in the order the proxy accepted them (from 1).
    var id: Int
    /// Why it ended, in words ("closed by the client", "reset by a cut" …).
    var reason: String
    /// Bytes passed from the client to the server.
    var bytesUp: Int
    /// Bytes passed from the server to the client.
    var bytesDown: Int
  }

  let id: Int
  private let client: any Channel
  private let server: any Channel
  private var up: ProxyPump?
  private var down: ProxyPump?
  private var closed = false
  /// Why the connection ends, once one direction has finished (its end passed on as a FIN).
  private var firstEnd: String?
  private let ended: (Summary) -> Void

  /// A connection between `client` and `server` (both on one event loop, neither reading by
  /// itself) with `shapers` for the way up and the way down; `ended` hears once how it ended.
  init(
    id: Int, client: any Channel, server: any Channel, shapers: (up: ProxyShaper, down: ProxyShaper),
    origin: NIODeadline, ended: @escaping (Summary) -> Void
  ) throws {
    self.id = id
    self.client = client
    self.server = server
    self.ended = ended
    let up = ProxyPump(.up, shaper: shapers.up, origin: origin, destination: server) { [weak self] in
      self?.handle($0)
    }
    let down = ProxyPump(.down, shaper: shapers.down, origin: origin, destination: client) { [weak self] in
      self?.handle($0)
    }
    try client.pipeline.syncOperations.addHandler(up)
    try server.pipeline.syncOperations.addHandler(down)
    self.up = up
    self.down = down
    try ProxyHoldHandler.release(client)
    try ProxyHoldHandler.release(server)
    up.start()
    down.start()
  }

  private func handle(_ event: ProxyPump.Event) {
    switch event {
    case .finished(let direction):
      // The end goes on as the peer gave it: the other side's output closes (FIN) and the
      // other direction goes on until it ends too, or either side is gone.
      let reason = direction == .up ? "closed by the client" : "closed by the server"
      guard firstEnd == nil, client.isActive, server.isActive else {
        end(firstEnd ?? reason, reset: false)
        return
      }
      firstEnd = reason
      (direction == .up ? server : client).close(mode: .output, promise: nil)
    case .failed(.up, let error): end("failed on the client's side: \(error)", reset: false)
    case .failed(.down, let error): end("failed on the server's side: \(error)", reset: false)
    }
  }

  /// Closes both sides, with a reset (RST) if `reset` or else an orderly close, once, and
  /// reports the summary with `reason`.
  func end(_ reason: String, reset: Bool) {
    guard !closed else { return }
    closed = true
    up?.stop()
    down?.stop()
    ProxyConnection.close(client, reset: reset)
    ProxyConnection.close(server, reset: reset)
    ended(Summary(id: id, reason: reason, bytesUp: up?.delivered ?? 0, bytesDown: down?.delivered ?? 0))
    up = nil
    down = nil
  }

  /// Closes `channel`; with `reset`, SO_LINGER 0 first, so the peer gets a reset (RST) instead
  /// of an orderly end (FIN) and whatever the kernel still held for it is thrown away.
  static func close(_ channel: any Channel, reset: Bool) {
    guard reset, let provider = channel as? any SocketOptionProvider else {
      channel.close(promise: nil)
      return
    }
    provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in
      channel.close(promise: nil)
    }
  }
}
