import struct StarlingChannels.Lock

/// The one timer of a ``Req0`` socket that sends overdue requests again.
///
/// It starts with the first request and checks at a quarter of the shortest resend time in
/// use (at least once a second, as nng does), until the socket closes or is gone.
final class ResendTimer: Sendable {
  private weak let core: SocketCore<Req0Machine>?
  private let task = Lock<Task<Void, Never>?>.make(nil)

  init(core: SocketCore<Req0Machine>) {
    self.core = core
  }

  deinit { stop() }

  /// Starts the timer, once.
  func start() {
    task.withLock { task in
      guard task == nil else { return }
      task = Task { [weak core] in
        while true {
          guard
            let interval = core?.state.withLock({ $0.machine.shortestResendTime ?? $0.options.resendTime })
          else { return }
          let tick = max(.milliseconds(1), min(interval / 4, .seconds(1)))
          do { try await Task.sleep(for: tick) } catch { return }
          guard let core, !core.isClosed else { return }
          core.resendOverdueRequests()
        }
      }
    }
  }

  /// Stops the timer.
  func stop() {
    task.withLock { $0?.cancel() }
  }
}
