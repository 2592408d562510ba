import DequeModule
import NIOCore
import Synchronization

import struct StarlingChannels.Lock

/// A pipe over a NIO channel (tcp or ipc).
///
/// Writes from any thread go into a queue; the first write of a batch schedules one task on the
/// channel's event loop, which writes everything queued and flushes once, so many small
/// messages leave in one system call.
///
/// The pipe is writable while its channel is (NIO's buffer is under its high-water mark).
/// Writability is only ever reported from the event loop, and always as the state is at that
/// moment, so the socket hears of changes in order and never keeps a stale "not writable".
final class NIOPipe: PipeConnection {
  let id: PipeID
  let transportName: String
  let peerDescription: String
  let channel: any Channel
  private let owner: any PipeOwner

  private struct Outbound {
    var queue = Deque<Message>()
    var drainScheduled = false
    /// What the socket was last told.
    var reported = true
  }

  private let outbound = Lock.make(Outbound())

  init(id: PipeID, channel: any Channel, transportName: String, owner: any PipeOwner) {
    self.id = id
    self.channel = channel
    self.transportName = transportName
    self.peerDescription = channel.remoteAddress.map { "\($0)" } ?? transportName
    self.owner = owner
  }

  func write(_ message: Message) {
    let schedule = outbound.withLock { state -> Bool in
      state.queue.append(message)
      defer { state.drainScheduled = true }
      return !state.drainScheduled
    }
    if schedule {
      channel.eventLoop.execute { self.drain() }
    }
  }

  /// Writes everything queued, then flushes once. Runs on the event loop.
  private func drain() {
    let batch = outbound.withLock { state -> Deque<Message> in
      state.drainScheduled = false
      defer { state.queue.removeAll(keepingCapacity: true) }
      return state.queue
    }
    for message in batch {
      channel.write(message, promise: nil)
    }
    channel.flush()
    reportWritability()
  }

  /// Tells the socket whether the pipe can take messages, if that changed. Runs on the event
  /// loop: after each drain and whenever the channel's writability changes.
  func reportWritability() {
    let writable = channel.isWritable
    let changed = outbound.withLock { state -> Bool in
      defer { state.reported = writable }
      return state.reported != writable
    }
    if changed { owner.writabilityChanged(id, writable: writable) }
  }

  func readingChanged() {
    channel.eventLoop.execute {
      // Read the state on the event loop: whatever order the changes were reported in, the
      // last task to run applies the latest state.
      let reading = self.owner.isReading(self.id)
      try? self.channel.pipeline.syncOperations.handler(type: PipeChannelHandler.self).setReading(reading)
    }
  }

  func close() {
    channel.close(promise: nil)
  }
}
