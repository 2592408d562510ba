import NIOCore
import Synchronization

import struct StarlingChannels.Lock

/// What a request and its connection's handler share: who answered it, its body on the way
/// in, and whether the connection is gone. The handler holds this, not the request, so that
/// a request the program drops is deinitialised (and answered 500).
final class HTTPExchange: Sendable {
  /// The request body as it arrives, in chunks, weighed in bytes.
  let body: Handoff<ByteBuffer>
  private let answered = Atomic<Bool>(false)
  private let bodyTaken = Atomic<Bool>(false)
  private let closed = Atomic<Bool>(false)
  private let closeWatchers = Lock<[@Sendable () -> Void]?>.make([])

  /// The body queue pauses reading at `bodyHighWater` bytes queued and resumes at half that.
  init(bodyHighWater: Int) {
    body = Handoff(highWater: bodyHighWater, lowWater: bodyHighWater / 2)
  }

  /// Takes the right to answer: `true` once, for whoever asks first.
  func claimAnswer() -> Bool {
    !answered.exchange(true, ordering: .acquiringAndReleasing)
  }

  /// Whether the request has been answered (or is being answered).
  var isAnswered: Bool { answered.load(ordering: .acquiring) }

  /// Takes the right to read the body: `true` once.
  func claimBody() -> Bool {
    !bodyTaken.exchange(true, ordering: .acquiringAndReleasing)
  }

  /// The connection closed.
  func markClosed() {
    closed.store(true, ordering: .releasing)
    let watchers = closeWatchers.withLock { watchers in
      defer { watchers = nil }
      return watchers ?? []
    }
    for watcher in watchers { watcher() }
  }

  /// Calls `watcher` when the connection closes while the request is current (at once if it
  /// has closed already).
  func whenClosed(_ watcher: @escaping @Sendable () -> Void) {
    let now = closeWatchers.withLock { watchers in
      guard watchers != nil else { return true }
      watchers?.append(watcher)
      return false
    }
    if now { watcher() }
  }

  /// Whether the connection has closed.
  var isClosed: Bool { closed.load(ordering: .acquiring) }
}

/// A request's way to its connection's handler, on the handler's event loop.
struct HTTPConnectionHandle: Sendable {
  let handler: NIOLoopBound<HTTPConnectionHandler>

  var loop: any EventLoop { handler.eventLoop }

  /// Runs `body` with the handler on its event loop: at once when already there.
  func run(_ body: @escaping @Sendable (HTTPConnectionHandler) -> Void) {
    let handler = handler
    if handler.eventLoop.inEventLoop {
      body(handler.value)
    } else {
      handler.eventLoop.execute { body(handler.value) }
    }
  }

  /// Runs `body` with the handler on its event loop and waits for the future it returns.
  func submit<Value: Sendable>(
    _ body: @escaping @Sendable (HTTPConnectionHandler) -> EventLoopFuture<Value>
  ) async throws -> Value {
    let handler = handler
    return try await handler.eventLoop.flatSubmit { body(handler.value) }.get()
  }
}
