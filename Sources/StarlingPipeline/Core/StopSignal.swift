import Synchronization

/// Tells the modules of a pipeline that it is stopping at once (``Pipeline/stopNow()``), for
/// work a module keeps in flight outside the tasks the pipeline cancels.
final class StopSignal: Sendable {
  private struct State {
    var fired = false
    var handlers: [@Sendable () -> Void] = []
  }

  private let state = Mutex(State())

  /// Whether the pipeline is stopping at once.
  var isFired: Bool { state.withLock { $0.fired } }

  /// Runs every handler, once; later handlers run as they are added.
  func fire() {
    let handlers = state.withLock { state -> [@Sendable () -> Void] in
      if state.fired { return [] }
      state.fired = true
      defer { state.handlers = [] }
      return state.handlers
    }
    for handler in handlers { handler() }
  }

  /// Runs `handler` when the signal fires (at once if it has).
  func onFire(_ handler: @escaping @Sendable () -> Void) {
    let now = state.withLock { state -> Bool in
      if state.fired { return true }
      state.handlers.append(handler)
      return false
    }
    if now { handler() }
  }
}
