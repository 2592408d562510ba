import Logging

import struct StarlingChannels.Lock

/// A socket's dialer, from ``Socket/dial(_:waitForConnection:)`` (as nng's `nng_dialer`):
/// dials an address, and dials again whenever the connection is lost or refused, until it, or
/// its socket, closes. Closing it closes its connection; the socket keeps its other dialers,
/// listeners and pipes.
///
/// The wait between attempts starts at the socket's reconnect minimum. With a reconnect maximum
/// above it, each failure doubles the wait up to the maximum; every wait is jittered between
/// half and all of its length, so that many dialers do not retry in step. A successful
/// connection resets the wait.
public final class Dialer: Endpoint {
  typealias Connect = @Sendable () async throws -> any DialedConnection

  /// The address dialed.
  public let address: Address
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
        try await Task.sleep(for: Self.jittered(wait))
      } catch {
        return
      }
      let options = options()
      if let maximum = options.reconnectMaximum, maximum > options.reconnectMinimum {
        wait = min(wait * 2, maximum)
      }
    }
    // Closed while a connect was under way: the connection it made is not wanted.
    connection?.close()
  }

  /// A wait between half and all of `wait`.
  static func jittered(_ wait: Duration) -> Duration {
    wait * Double.random(in: 0.5...1.0)
  }

  /// Whether ``close()`` was called.
  public var isClosed: Bool { state.withLock { $0.closed } }

  /// Stops dialing and closes the connection. Closing twice does nothing.
  public func close() {
    let (task, connection) = state.withLock { state in
      state.closed = true
      return (state.task, state.connection)
    }
    task?.cancel()
    connection?.close()
  }

  /// Returns once the dialer has stopped for good (closed, or its first connection failed).
  func finished() async {
    await state.withLock { $0.task }?.value
  }
}
