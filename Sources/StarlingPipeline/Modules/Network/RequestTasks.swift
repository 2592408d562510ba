import struct StarlingChannels.Lock

/// The tasks serving `input.http`'s requests, one per request, so that a stop can keep them
/// from queuing events once the input has stopped, and wait for them.
///
/// The input's outbox closes when its `run()` returns. Before that, ``stopQueuing()`` makes
/// every request not queued yet give up (``queue(_:_:)`` says no, and a task still reading a
/// body or waiting for room in the outbox is cancelled), and waits for the queuing under way.
/// Tasks that have queued their event go on: their replies still reach their clients.
final class RequestTasks: Sendable {
  private struct State {
    var next = 0
    var running: [Int: Task<Void, Never>] = [:]
    /// Tasks whose event is in the outbox: a stop does not cancel them.
    var queued: Set<Int> = []
    /// Tasks queuing their event now.
    var queuing: Set<Int> = []
    var stopping = false
    /// Who waits in ``stopQueuing()`` for `queuing` to be empty.
    var waiters: [CheckedContinuation<Void, Never>] = []
  }

  private let state = Lock.make(State())

  /// Runs `body` in a task of its own, with the task's id (for ``queue(_:_:)``).
  func start(_ body: @escaping @Sendable (Int) async -> Void) {
    state.withLock { state in
      let id = state.next
      state.next += 1
      state.running[id] = Task {
        await body(id)
        self.state.withLock { state in
          state.running[id] = nil
          state.queued.remove(id)
        }
      }
    }
  }

  /// Runs `send` (task `id` queuing its event) unless the input is stopping.
  ///
  /// - Returns: `false` when the input is stopping: nothing was sent.
  /// - Throws: what `send` throws (`CancellationError` when a stop cancels it while it waits).
  func queue(_ id: Int, _ send: () async throws -> Void) async throws -> Bool {
    let admitted = state.withLock { state in
      guard !state.stopping else { return false }
      state.queuing.insert(id)
      return true
    }
    guard admitted else { return false }
    var sent = false
    defer {
      let waiters = state.withLock { state in
        state.queuing.remove(id)
        if sent { state.queued.insert(id) }
        guard state.stopping, state.queuing.isEmpty else { return [CheckedContinuation<Void, Never>]() }
        defer { state.waiters = [] }
        return state.waiters
      }
      for waiter in waiters { waiter.resume() }
    }
    try await send()
    sent = true
    return true
  }

  /// No event is queued from now on: tasks that have not queued theirs are cancelled, and
  /// this returns once none is queuing one.
  func stopQueuing() async {
    let cancelled = state.withLock { state in
      state.stopping = true
      return state.running.filter { !state.queued.contains($0.key) }.map(\.value)
    }
    for task in cancelled { task.cancel() }
    await withCheckedContinuation { continuation in
      let now = state.withLock { state in
        guard !state.queuing.isEmpty else { return true }
        state.waiters.append(continuation)
        return false
      }
      if now { continuation.resume() }
    }
  }

  /// Waits until every task started has finished.
  func waitForAll() async {
    while let task = state.withLock({ $0.running.first?.value }) {
      await task.value
      state.withLock { state in
        if let id = state.running.first(where: { $0.value == task })?.key { state.running[id] = nil }
      }
    }
  }
}
