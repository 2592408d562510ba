import NIOCore

import struct StarlingChannels.Lock

/// An `NIOAsyncChannel` kept open past the task that reads it, until ``close()``.
///
/// `executeThenClose` closes a channel when its closure returns; an input's `run()` returns
/// at a graceful stop, while answers to what it accepted must still go out through the
/// channel until `didStop()`. The closure runs in a task of its own and waits here.
final class HeldChannel<Inbound: Sendable, Outbound: Sendable>: Sendable {
  private struct State {
    var closed = false
    var waiter: CheckedContinuation<Void, Never>?
  }

  /// The channel underneath, for writing and addresses.
  let channel: any Channel
  /// What the channel reads.
  let inbound: NIOAsyncChannelInboundStream<Inbound>
  private let state: Lock<State>
  private let holder: Task<Void, Never>

  /// Opens the scope of `asyncChannel` and holds it open until ``close()``.
  init(_ asyncChannel: NIOAsyncChannel<Inbound, Outbound>) async {
    let state = Lock.make(State())
    let (streams, handOver) = AsyncStream<NIOAsyncChannelInboundStream<Inbound>>.makeStream()
    holder = Task {
      try? await asyncChannel.executeThenClose { inbound, _ in
        handOver.yield(inbound)
        handOver.finish()
        await withCheckedContinuation { continuation in
          let now = state.withLock { state in
            if state.closed { return true }
            state.waiter = continuation
            return false
          }
          if now { continuation.resume() }
        }
      }
    }
    var iterator = streams.makeAsyncIterator()
    // The holder yields before anything else can fail: executeThenClose only throws what
    // its closure throws, and this closure throws nothing.
    inbound = await iterator.next()!
    channel = asyncChannel.channel
    self.state = state
  }

  /// Closes the channel and waits until it is closed.
  func close() async {
    let waiter = state.withLock { state in
      state.closed = true
      defer { state.waiter = nil }
      return state.waiter
    }
    waiter?.resume()
    await holder.value
  }
}
