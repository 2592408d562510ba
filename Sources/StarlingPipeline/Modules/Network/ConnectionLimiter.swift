import NIOCore
import StarlingNetwork
import Synchronization

/// Caps how many connections a listener serves at once: the first handler of the server
/// channel's pipeline, it sees each accepted connection before NIO sets it up. A connection
/// past the cap is closed at once; the first refusal, and then one a minute at most, is
/// logged with the cap and how many were refused since. Accept errors (such as running out of
/// file descriptors, which NIO's accept back-off then waits out) are logged the same way.
final class ConnectionLimiter: ChannelInboundHandler {
  typealias InboundIn = any Channel
  typealias InboundOut = any Channel

  /// The connections open now, counted across event loops (a connection closes on its own).
  final class Count: Sendable {
    let open = Atomic<Int>(0)
  }

  let limit: Int
  let count: Count
  private let log: @Sendable (String) -> Void
  private var refusals: ReportRateLimit
  private var acceptErrors: ReportRateLimit

  /// - Parameters:
  ///   - limit: the most connections served at once.
  ///   - reportInterval: the least time between two log lines about refusals (and between
  ///     two about accept errors).
  ///   - log: writes a warning line.
  init(
    limit: Int, count: Count = Count(), reportInterval: TimeAmount = .seconds(60),
    log: @escaping @Sendable (String) -> Void
  ) {
    self.limit = limit
    self.count = count
    self.log = log
    refusals = ReportRateLimit(interval: reportInterval)
    acceptErrors = ReportRateLimit(interval: reportInterval)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let connection = unwrapInboundIn(data)
    let count = count
    guard count.open.add(1, ordering: .relaxed).newValue <= limit else {
      count.open.subtract(1, ordering: .relaxed)
      connection.close(promise: nil)
      if let refused = refusals.record(at: context.eventLoop.now) {
        log(
          "refused \(refused) connection\(refused == 1 ? "" : "s"): \(limit) are open, the most max_connections allows"
        )
      }
      return
    }
    connection.closeFuture.whenComplete { _ in count.open.subtract(1, ordering: .relaxed) }
    context.fireChannelRead(data)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if let errors = acceptErrors.record(at: context.eventLoop.now) {
      log("cannot accept connections (\(errors) error\(errors == 1 ? "" : "s")): \(error); retrying")
    }
    context.fireErrorCaught(error)
  }
}
