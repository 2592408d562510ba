import struct StarlingChannels.Lock

/// The one timer of a ``Req0`` socket that sends overdue requests again.
///
/// It starts with the first request and checks at a quarter of the shortest resend time in
/// use (at least once a second, as nng does), until the socket closes or is gone. It sleeps on
/// the socket's clock: with a `ManualClock`, requests go out again when a test moves the clock
/// past their resend time.
final class ResendTimer: Sendable {
  private weak let core: SocketCore<Req0Machine>?
  private let clock: AnyClock
  private let task = Lock<Task<Void, Never>?>.make(nil)

  init(core: SocketCore<Req0Machine>) {
    self.core = core
    clock = core.clock
  }

  deinit { stop() }

  /// Starts the timer, once.
  func start() {
    task.withLock { task in
      guard task == nil else { return }
      task = Task { [weak core, clock] in
        while true {
          guard
            let interval = core?.state.withLock({ $0.machine.shortestResendTime ?? $0.options.resendTime })
          else { return }
          let tick = max(.milliseconds(1), min(interval / 4, .seconds(1)))
          do { try await clock.sleep(for: tick) } catch { return }
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
