import NIOCore

import struct StarlingChannels.Lock

/// The connections a listening input serves: a task per connection, and inside it the task
/// reading it.
///
/// A graceful stop cancels the readers (``stopReading()``: no new requests are read) but
/// leaves the connections open, so answers to requests already accepted still reach their
/// callers; ``closeAll()`` (from `didStop`) lets them close and waits until they have.
final class ConnectionReaders: Sendable {
  private struct State {
    var stopping = false
    var closed = false
    var nextID = 0
    var readers: [Int: Task<Void, Never>] = [:]
    var connections: [Int: Task<Void, Never>] = [:]
    var channels: [Int: any Channel] = [:]
    var waiting: [CheckedContinuation<Void, Never>] = []
  }

  private let state = Lock.make(State())

  /// Serves one connection in a task of its own; ``closeAll()`` closes `channel` and waits
  /// for the task.
  func serve(_ channel: any Channel, _ connection: @escaping @Sendable () async -> Void) {
    state.withLock { state in
      let id = state.nextID
      state.nextID += 1
      state.channels[id] = channel
      state.connections[id] = Task {
        await connection()
        self.state.withLock { state in
          state.connections[id] = nil
          state.channels[id] = nil
        }
      }
    }
  }

  /// Runs `read` (the loop reading a connection) in a task that ``stopReading()`` cancels.
  /// Returns when `read` has returned, unless the input is stopping: then it returns once
  /// ``closeAll()`` lets connections close, so late answers can still be written. A
  /// connection served once the input is stopping is not read: this returns at once.
  func read(_ read: @escaping @Sendable () async -> Void) async {
    let reader: Task<Void, Never>? = state.withLock { state in
      guard !state.stopping else { return nil }
      let id = state.nextID
      state.nextID += 1
      let reader = Task {
        await read()
        self.state.withLock { _ = $0.readers.removeValue(forKey: id) }
      }
      state.readers[id] = reader
      return reader
    }
    // Refused (the input was stopping): nothing was read from this connection, so it closes
    // now, and its client connects again (to the next pipeline, on a reload).
    guard let reader else { return }
    await reader.value
    await withCheckedContinuation { continuation in
      let now = state.withLock { state in
        if state.closed || !state.stopping { return true }
        state.waiting.append(continuation)
        return false
      }
      if now { continuation.resume() }
    }
  }

  /// Whether connections served from now on are refused (the input is stopping).
  var isRefusing: Bool { state.withLock { $0.stopping } }

  /// Refuses the connections served from now on: they are closed unread. Those already read
  /// go on until ``stopReading()``.
  func refuseNew() {
    state.withLock { $0.stopping = true }
  }

  /// Stops reading every connection (and refuses any connection served later), and waits
  /// until the readers have returned.
  func stopReading() async {
    let readers = state.withLock { state in
      state.stopping = true
      return Array(state.readers.values)
    }
    for reader in readers { reader.cancel() }
    for reader in readers { await reader.value }
  }

  /// Closes every connection (requests still waiting for an answer will not get one now),
  /// and waits until they are closed.
  func closeAll() async {
    let (readers, waiting, connections, channels) = state.withLock { state in
      state.stopping = true
      state.closed = true
      defer { state.waiting = [] }
      return (
        Array(state.readers.values), state.waiting, Array(state.connections.values),
        Array(state.channels.values)
      )
    }
    for reader in readers { reader.cancel() }
    for channel in channels { channel.close(promise: nil) }
    for continuation in waiting { continuation.resume() }
    for connection in connections { await connection.value }
  }
}
