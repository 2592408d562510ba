import Logging
import NIOCore
import NIOPosix
import StarlingNetwork

/// The limits a listening input (`input.tcp`, `input.http`) puts on its connections: how
/// many it serves at once, and how long each may take over what it sends.
struct ListenerLimits: Sendable {
  /// One timeout argument, and what a connection that runs out of it has not done
  /// (`no whole frame`).
  struct Timeout: Sendable {
    var argument: String
    var missing: String
  }

  /// The most connections served at once (`max_connections`).
  let maxConnections: Int
  let timeouts: ConnectionTimeouts
  /// Why each wait ran out, for the log (and an HTTP 408's body).
  private let reasons: [ConnectionDeadlineStateMachine.Wait: String]

  /// `max_connections`, shared by the listening inputs.
  static let maxConnectionsArgument = ArgumentSpec(
    "max_connections", .int, default: 1024, in: 1...65536,
    "The most connections served at once; more are closed as they arrive.")

  /// A timeout argument: a duration up to a day, 0 for none.
  static func timeoutArgument(_ name: String, default seconds: Double, _ summary: String) -> ArgumentSpec {
    ArgumentSpec(name, .duration, default: .double(seconds), in: 0...86400, summary + " 0: no limit.")
  }

  /// Reads `max_connections` and the timeouts for waiting idle, for a message's head (or
  /// whole TCP frame) and for an HTTP body.
  init(_ arguments: ModuleArguments, idle: Timeout, head: Timeout, body: Timeout? = nil) {
    maxConnections = arguments.int("max_connections") ?? 1024
    timeouts = ConnectionTimeouts(
      idle: arguments.duration(idle.argument), head: arguments.duration(head.argument),
      body: body.flatMap { arguments.duration($0.argument) })
    var reasons: [ConnectionDeadlineStateMachine.Wait: String] = [:]
    for (wait, timeout) in [(.idle, idle), (.head, head), (.body, body)]
      as [(ConnectionDeadlineStateMachine.Wait, Timeout?)]
    {
      guard let timeout else { continue }
      let limit = arguments.double(timeout.argument).map(ArgumentKind.duration.text(for:)) ?? "?"
      reasons[wait] = "\(timeout.missing) within \(timeout.argument) (\(limit))"
    }
    self.reasons = reasons
  }

  /// Why a wait ran out: `no whole frame within read_timeout (30s)`.
  func reason(_ wait: ConnectionDeadlineStateMachine.Wait) -> String {
    reasons[wait] ?? "timed out"
  }

  /// A server bootstrap whose listener refuses connections past ``maxConnections`` (logging
  /// to `context`).
  func bootstrap(context: ModuleContext) -> ServerBootstrap {
    let limit = maxConnections
    return ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .serverChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(
            ConnectionLimiter(limit: limit) { context.log(.warning, $0) }, position: .first)
        }
      }
  }

  /// Adds a ``ConnectionTimeoutHandler`` at the front of a new connection's pipeline: a wait
  /// that runs out is logged to `context` with its ``reason(_:)`` (an idle connection at
  /// debug level), and `farewell` gives the bytes to write before closing.
  func addTimeouts(
    to channel: any Channel, context: ModuleContext,
    farewell: @escaping @Sendable (ConnectionDeadlineStateMachine.Wait) -> [UInt8] = { _ in [] }
  ) throws {
    let peer = NetworkEndpoint.describe(channel.remoteAddress)
    let limits = self
    let handler = ConnectionTimeoutHandler(timeouts: timeouts) { wait in
      context.log(
        wait == .idle ? .debug : .warning, "closed the connection from \(peer): \(limits.reason(wait))")
      return farewell(wait)
    }
    try channel.pipeline.syncOperations.addHandler(handler, position: .first)
  }
}
