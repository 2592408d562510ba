import Logging
import NIOCore
import NIOPosix
import StarlingNetwork

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Backs a listener off when it runs out of a resource (file descriptors, kernel buffers,
/// memory), says why in the log, and says when it accepts again.
///
/// Accepting fails with `EMFILE` while the process is at its descriptor limit, and the pending
/// connection stays in the kernel's backlog, so the listening socket stays readable: retried at
/// once, the failure repeats on every event loop tick and keeps a core busy (nng waits 10 ms).
/// This handler stops reading (accepting) on the listening channel for ``backoff`` after such a
/// failure, then tries again. It tells the operator through ``AcceptFailureLog``, at most once per
/// ``logInterval``.
///
/// NIO's own `AcceptBackoffHandler` does not do this for a `ServerBootstrap` channel (NIO 2.101):
/// it delays the next `read()`, but after a failed accept the channel still has its read pending
/// and stays registered for readability, so no `read()` comes to delay and the loop spins on.
/// Turning `autoRead` off unregisters the channel from readability until it is turned on again.
final class AcceptFailureHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = any Channel
  typealias InboundOut = any Channel

  /// How long a listener waits before accepting again after running out of a resource.
  static let backoff = TimeAmount.milliseconds(100)
  /// The shortest time between two log lines about failures.
  static let logInterval = TimeAmount.seconds(10)

  private let address: Address
  private let logger: Logger
  private var log = AcceptFailureLog(interval: logInterval)
  /// The end of the current back-off, if the listener is backing off.
  private var resumption: Scheduled<Void>?

  init(address: Address, logger: Logger) {
    self.address = address
    self.logger = logger
  }

  /// What ran out, for the errors that mean a resource did; `nil` for the others (a connection
  /// its peer aborted before it was accepted, say), which need no back-off.
  static func exhaustion(_ code: CInt) -> String? {
    switch code {
    case EMFILE: "too many open files in this process (EMFILE: the descriptor limit, ulimit -n)"
    case ENFILE: "too many open files in the system (ENFILE)"
    case ENOBUFS: "no kernel buffer space (ENOBUFS)"
    case ENOMEM: "out of memory (ENOMEM)"
    default: nil
    }
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    guard let error = error as? IOError, let cause = Self.exhaustion(error.errnoCode) else {
      logger.debug("accepting a connection at \(name(context)) failed: \(error)")
      return
    }
    backOff(context)
    guard let count = log.failed(at: .now()) else { return }
    let attempts = count == 1 ? "" : " (\(count) failed attempts since the last report)"
    logger.error(
      "cannot accept connections at \(name(context)): \(cause); trying again every \(Self.backoff.milliseconds) ms until connections close\(attempts)"
    )
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    if let failures = log.accepted() {
      logger.notice("accepting connections at \(name(context)) again, after \(failures) failed attempts")
    }
    context.fireChannelRead(data)
  }

  func channelInactive(context: ChannelHandlerContext) {
    resumption?.cancel()
    resumption = nil
    context.fireChannelInactive()
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    guard let resumption else { return }
    resumption.cancel()
    self.resumption = nil
    try? context.channel.syncOptions?.setOption(.autoRead, value: true)
  }

  /// Stops accepting for ``backoff``, unless already backing off.
  private func backOff(_ context: ChannelHandlerContext) {
    guard resumption == nil, let options = context.channel.syncOptions else { return }
    do {
      try options.setOption(.autoRead, value: false)
    } catch {
      return
    }
    resumption = context.eventLoop.assumeIsolated().scheduleTask(in: Self.backoff) {
      self.resumption = nil
      try? context.channel.syncOptions?.setOption(.autoRead, value: true)
    }
  }

  /// The listener's address, with the port actually bound (for ws and wss, the server's: its
  /// paths share it).
  private func name(_ context: ChannelHandlerContext) -> String {
    guard address.transport != .ipc, address.transport != .inproc,
      let local = context.channel.localAddress, let ip = local.ipAddress, let port = local.port
    else { return address.url }
    return "\(address.scheme)://\(ip.contains(":") ? "[\(ip)]" : ip):\(port)"
  }
}

extension TimeAmount {
  /// The amount in whole milliseconds.
  fileprivate var milliseconds: Int64 { nanoseconds / 1_000_000 }
}

extension AcceptFailureHandler {
  /// Adds the handler to a listening channel. Runs on its event loop.
  static func install(on server: any Channel, address: Address, logger: Logger) throws {
    try server.pipeline.syncOperations.addHandler(AcceptFailureHandler(address: address, logger: logger))
  }
}

extension ServerBootstrap {
  /// The bootstrap with accept back-off: after a failure from running out of a resource, the
  /// listener waits before it accepts again, and says why in the log (see
  /// ``AcceptFailureHandler``).
  func backingOffAcceptFailures(at address: Address, logger: Logger) -> ServerBootstrap {
    serverChannelInitializer { channel in
      channel.eventLoop.makeCompletedFuture {
        try AcceptFailureHandler.install(on: channel, address: address, logger: logger)
      }
    }
  }
}
