import Logging
import NIOCore
import NIOPosix

/// The limits a listening input (`input.tcp`, `input.http`) puts on its connections: how
/// many it serves at once, and how long each may take over what it sends.
struct ListenerLimits: Sendable {
  /// The most connections served at once (`max_connections`).
  let maxConnections: Int
  let timeouts: ConnectionTimeouts

  /// `max_connections`, shared by the listening inputs.
  static let maxConnectionsArgument = ArgumentSpec(
    "max_connections", .int, default: 1024, in: 1...65536,
    "The most connections served at once; more are closed as they arrive.")

  /// A timeout argument: a duration up to a day, 0 for none.
  static func timeoutArgument(_ name: String, default seconds: Double, _ summary: String) -> ArgumentSpec {
    ArgumentSpec(name, .duration, default: .double(seconds), in: 0...86400, summary + " 0: no limit.")
  }

  /// Reads `max_connections` and the timeouts named `idle`, `head` and `body` (the last two
  /// may be absent for a module without them).
  init(_ arguments: ModuleArguments, idle: String, head: String, body: String? = nil) {
    maxConnections = arguments.int("max_connections") ?? 1024
    timeouts = ConnectionTimeouts(
      idle: arguments.duration(idle), head: arguments.duration(head), body: body.flatMap(arguments.duration))
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
  /// that runs out is logged to `context` (an idle connection at debug level) and `farewell`
  /// gives the bytes to write before closing.
  func addTimeouts(
    to channel: any Channel, context: ModuleContext,
    describe: @escaping @Sendable (ConnectionDeadlineStateMachine.Wait) -> String,
    farewell: @escaping @Sendable (ConnectionDeadlineStateMachine.Wait) -> [UInt8] = { _ in [] }
  ) throws {
    let peer = NetworkEndpoint.describe(channel.remoteAddress)
    let handler = ConnectionTimeoutHandler(timeouts: timeouts) { wait in
      context.log(wait == .idle ? .debug : .warning, "closed the connection from \(peer): \(describe(wait))")
      return farewell(wait)
    }
    try channel.pipeline.syncOperations.addHandler(handler, position: .first)
  }
}
