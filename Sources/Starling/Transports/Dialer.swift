import Logging
import NIOCore

import struct StarlingChannels.Lock

/// A live connection a dialer watches, to redial when it ends.
protocol DialedConnection: Sendable {
  /// Returns when the connection has closed.
  func closed() async
  /// Closes the connection.
  func close()
}

/// Dials an address, and dials again whenever the connection is lost or refused.
///
/// The wait between attempts starts at the socket's reconnect minimum. With a reconnect maximum
/// above it, each failure doubles the wait up to the maximum; every wait is jittered between
/// half and all of its length, so that many dialers do not retry in step. A successful
/// connection resets the wait. The waits are on the socket's clock (``SocketOptions/clock``).
final class Dialer: Endpoint {
  typealias Connect = @Sendable () async throws -> any DialedConnection

  let address: Address
  private let connect: Connect
  private let options: @Sendable () -> SocketOptions
  private let logger: Logger
  private let reconnected: @Sendable () -> Void
  private let state = Lock<(closed: Bool, task: Task<Void, Never>?, connection: (any DialedConnection)?)>
    .make(
      (false, nil, nil))

  init(
    address: Address, logger: Logger, options: @escaping @Sendable () -> SocketOptions,
    connect: @escaping Connect, reconnected: @escaping @Sendable () -> Void = {}
  ) {
    self.address = address
    self.connect = connect
    self.reconnected = reconnected
    self.options = options
    self.logger = logger
  }

  /// Starts dialing. With `waitForConnection`, connects once first and throws if that fails
  /// (the dialer then does not keep trying); otherwise returns at once and connects in the
  /// background.
  func start(waitForConnection: Bool) async throws {
    var first: (any DialedConnection)?
    if waitForConnection {
      first = try await connect()
    }
    let task = Task { await run(first: first) }
    let closed = state.withLock { state -> Bool in
      state.task = task
      return state.closed
    }
    if closed { task.cancel() }
  }

  private func run(first: (any DialedConnection)?) async {
    var connection = first
    var connectedBefore = first != nil
    var wait = options().reconnectMinimum
    while !Task.isCancelled {
      if let live = connection {
        let closed = state.withLock { state -> Bool in
          state.connection = live
          return state.closed
        }
        if closed {
          live.close()
          return
        }
        await live.closed()
        let closedByUs = state.withLock { state in
          state.connection = nil
          return state.closed
        }
        if closedByUs { return }
        connection = nil
        wait = options().reconnectMinimum
        logger.info("connection to \(address) lost; redialing")
      } else {
        do {
          connection = try await connect()
          if connectedBefore { reconnected() }
          connectedBefore = true
          continue
        } catch {
          logger.debug("dial \(address) failed: \(error)")
        }
      }
      do {
        try await options().clock.sleep(for: Self.jittered(wait))
      } catch {
        return
      }
      let options = options()
      if let maximum = options.reconnectMaximum, maximum > options.reconnectMinimum {
        wait = min(wait * 2, maximum)
      }
    }
  }

  /// A wait between half and all of `wait`.
  static func jittered(_ wait: Duration) -> Duration {
    wait * Double.random(in: 0.5...1.0)
  }

  func close() {
    let (task, connection) = state.withLock { state in
      state.closed = true
      return (state.task, state.connection)
    }
    task?.cancel()
    connection?.close()
  }
}

extension Channel {
  /// The channel as a connection a dialer watches.
  var dialed: any DialedConnection { ChannelConnection(channel: self) }
}

private struct ChannelConnection: DialedConnection {
  let channel: any Channel
  func closed() async { try? await channel.closeFuture.get() }
  func close() { channel.close(promise: nil) }
}
