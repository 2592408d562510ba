import struct StarlingChannels.Lock

/// The storage of an ``RPCPeer``'s outgoing calls: the ``RPCPeerStateMachine`` under a lock,
/// the continuations of the callers that wait, and their timers. Continuations are resumed
/// after the lock is released. The timers run on the socket's clock.
final class RPCPeerCalls: Sendable {
  private typealias Waiter = UnsafeContinuation<ByteBuffer, any Error>
  private let state = Lock<RPCPeerStateMachine<Waiter>>.make(RPCPeerStateMachine())
  private let clock: AnyClock

  init(clock: AnyClock) {
    self.clock = clock
  }

  /// Starts a call and returns its ID.
  ///
  /// - Throws: ``SPError/closed`` once the peer has stopped.
  func start() throws(SPError) -> UInt32 {
    guard let id = state.withLock({ $0.start() }) else { throw .closed }
    return id
  }

  /// Waits for the reply to call `id`, up to `timeout` (forever for `nil`).
  ///
  /// - Throws: ``SPError/timedOut``, ``SPError/closed``, `CancellationError`.
  func reply(to id: UInt32, timeout: Duration?) async throws -> ByteBuffer {
    let timer = timeout.map { [clock] timeout in
      Task { [self] in
        do { try await clock.sleep(for: timeout) } catch { return }
        fail(id, SPError.timedOut)
      }
    }
    defer { timer?.cancel() }
    return try await withTaskCancellationHandler {
      try await withUnsafeThrowingContinuation { (continuation: Waiter) in
        let outcome = state.withLock { state -> Result<ByteBuffer, any Error>? in
          // A task cancelled before it waits fails here (no waiter is kept yet), unless the
          // reply is already in; `wait` then says which.
          if Task.isCancelled { _ = state.fail(id, CancellationError()) }
          switch state.wait(id, continuation) {
          case .suspended: return nil
          case .answered(let reply): return .success(reply)
          case .failed(let error): return .failure(error)
          }
        }
        if let outcome { continuation.resume(with: outcome) }
      }
    } onCancel: {
      fail(id, CancellationError())
    }
  }

  /// The reply to call `id` came; false if no call waits for it.
  func received(_ id: UInt32, _ reply: ByteBuffer) -> Bool {
    switch state.withLock({ $0.received(id, reply) }) {
    case .resume(let waiter, let reply):
      waiter.resume(returning: reply)
      return true
    case .kept:
      return true
    case .stale:
      return false
    }
  }

  /// Ends call `id`.
  func finish(_ id: UInt32) {
    state.withLock { $0.finish(id) }
  }

  /// Fails every call with ``SPError/closed``, now and later.
  func close() {
    for waiter in state.withLock({ $0.close() }) {
      waiter.resume(throwing: SPError.closed)
    }
  }

  private func fail(_ id: UInt32, _ error: any Error) {
    state.withLock { $0.fail(id, error) }?.resume(throwing: error)
  }
}
