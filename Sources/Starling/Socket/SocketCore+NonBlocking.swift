import DequeModule

import struct StarlingChannels.Lock

/// Sending and receiving that never wait (nng's `NNG_FLAG_NONBLOCK`), and closing one pipe.
extension SocketCore {
  /// Sends a message if a pipe can take it now and no earlier send waits.
  ///
  /// - Returns: `false` if the send would have to wait (the message was not sent).
  /// - Throws: ``SPError/closed``, or the protocol's refusal.
  func trySend(_ message: Message) throws(SPError) -> Bool {
    switch attemptSend(message) {
    case .done: return true
    case .failed(let error): throw error
    case .wait: return false
    }
  }

  /// Takes a message already received, if there is one.
  ///
  /// - Returns: `nil` if none is queued (a receive would have to wait).
  /// - Throws: ``SPError/closed`` once the socket is closed and nothing is queued.
  func tryReceive() throws(SPError) -> Message? {
    var effects = SocketCoreState<Machine>.Effects()
    let outcome = state.withLock { state -> Result<Message?, SPError> in
      if let message = state.takeFromInbox(into: &effects) { return .success(message) }
      return state.isClosed ? .failure(.closed) : .success(nil)
    }
    run(effects)
    return try outcome.get()
  }

  /// Takes an answer to request or survey `id` that has already arrived, if there is one.
  ///
  /// - Returns: `nil` if none has arrived yet.
  /// - Throws: ``SPError/cancelled(_:)`` if `id` is no longer outstanding; ``SPError/closed``.
  func tryTakeReply(to id: UInt32) throws(SPError) -> Message? {
    try state.withLock { state -> Result<Message?, SPError> in
      if state.isClosed { return .failure(.closed) }
      guard var queue = state.replies[id] else {
        return .failure(.cancelled("the request or survey is no longer outstanding"))
      }
      let answer = queue.arrived.popFirst()
      state.replies[id] = queue
      return .success(answer)
    }.get()
  }

  /// Closes the pipe `id`; the socket hears of it as of any closed pipe.
  ///
  /// - Throws: ``SPError/badState(_:)`` if the socket has no open pipe `id`.
  func closePipe(_ id: PipeID) throws(SPError) {
    guard let pipe = state.withLock({ $0.pipes[id] }) else {
      throw .badState("the socket has no open pipe \(id)")
    }
    pipe.close()
  }
}
