import Logging
import NIOCore
import StarlingNetwork

import struct StarlingChannels.Lock

/// An ``HTTPServer``'s open connections: admitted up to the cap (and not at all once the
/// server stops), told to finish when it stops gracefully, closed when it closes.
final class HTTPConnectionRegistry: Sendable {
  private struct State {
    var open: [ObjectIdentifier: any Channel] = [:]
    var closed = false
    var emptied: [EventLoopPromise<Void>] = []
  }

  let limit: Int
  private let state = Lock.make(State())

  init(limit: Int) {
    self.limit = limit
  }

  /// How many connections are open.
  var count: Int { state.withLock { $0.open.count } }

  /// Takes a new connection; `false` when the cap is reached or the server closed.
  func admit(_ channel: any Channel) -> Bool {
    let id = ObjectIdentifier(channel)
    let admitted = state.withLock { state in
      guard !state.closed, state.open.count < limit else { return false }
      state.open[id] = channel
      return true
    }
    guard admitted else { return false }
    channel.closeFuture.whenComplete { [self] _ in
      let emptied = state.withLock { state -> [EventLoopPromise<Void>] in
        state.open[id] = nil
        guard state.open.isEmpty else { return [] }
        defer { state.emptied = [] }
        return state.emptied
      }
      for promise in emptied { promise.succeed() }
    }
    return true
  }

  /// Refuses new connections from now on; returns those open.
  func close() -> [any Channel] {
    state.withLock { state in
      state.closed = true
      return Array(state.open.values)
    }
  }

  /// Completes when no connection is open.
  func whenEmpty(on loop: any EventLoop) -> EventLoopFuture<Void> {
    let promise = loop.makePromise(of: Void.self)
    let empty = state.withLock { state in
      if state.open.isEmpty { return true }
      state.emptied.append(promise)
      return false
    }
    if empty { promise.succeed() }
    return promise.futureResult
  }
}

/// The first handler of a listening channel: admits each accepted connection through the
/// ``HTTPConnectionRegistry`` or closes it at once, logging refusals (and accept errors, such
/// as running out of file descriptors) once a minute at most with how many there were.
final class HTTPAcceptHandler: ChannelInboundHandler {
  typealias InboundIn = any Channel
  typealias InboundOut = any Channel

  private let registry: HTTPConnectionRegistry
  private let logger: Logger
  private let limitName: String
  private var refusals = ReportRateLimit(interval: .seconds(60))
  private var acceptErrors = ReportRateLimit(interval: .seconds(60))

  init(registry: HTTPConnectionRegistry, logger: Logger, limitName: String) {
    self.registry = registry
    self.logger = logger
    self.limitName = limitName
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let connection = unwrapInboundIn(data)
    guard registry.admit(connection) else {
      connection.close(promise: nil)
      if let refused = refusals.record(at: context.eventLoop.now) {
        logger.warning(
          "refused \(refused) connection\(refused == 1 ? "" : "s"): \(registry.limit) are open, the most \(limitName) allows"
        )
      }
      return
    }
    context.fireChannelRead(data)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if let errors = acceptErrors.record(at: context.eventLoop.now) {
      logger.warning(
        "cannot accept connections (\(errors) error\(errors == 1 ? "" : "s")): \(error); retrying")
    }
    context.fireErrorCaught(error)
  }
}
