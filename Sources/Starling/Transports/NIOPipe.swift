import DequeModule
import NIOCore
import Synchronization

import struct StarlingChannels.Lock

/// A pipe over a NIO channel (tcp or ipc).
///
/// Writes from any thread go into a queue; the first write of a batch schedules one task on the
/// channel's event loop, which writes everything queued and flushes once, so many small
/// messages leave in one system call. The pipe counts as writable while the channel is writable
/// and the queue is short.
final class NIOPipe: PipeConnection {
  let id: PipeID
  let transportName: String
  let peerDescription: String
  let channel: any Channel
  private let owner: any PipeOwner

  /// Queued messages beyond which the pipe reports itself not writable.
  static let queueLimit = 1024

  private struct Outbound {
    var queue = Deque<Message>()
    var drainScheduled = false
    var channelWritable = true
    var reportedWritable = true

    /// Recomputes writability; returns `true` if the reported value changed.
    mutating func updateWritability() -> Bool {
      let writable = channelWritable && queue.count < NIOPipe.queueLimit
      defer { reportedWritable = writable }
      return writable != reportedWritable
    }
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
    let (schedule, becameUnwritable) = outbound.withLock { state -> (Bool, Bool) in
      state.queue.append(message)
      let schedule = !state.drainScheduled
      state.drainScheduled = true
      return (schedule, state.updateWritability())
    }
    if becameUnwritable { owner.writabilityChanged(id, writable: false) }
    if schedule {
      channel.eventLoop.execute { self.drain() }
    }
  }

  /// Writes everything queued, then flushes once. Runs on the event loop.
  private func drain() {
    let (batch, becameWritable) = outbound.withLock { state -> (Deque<Message>, Bool) in
      state.drainScheduled = false
      let batch = state.queue
      state.queue.removeAll(keepingCapacity: true)
      return (batch, state.updateWritability())
    }
    for message in batch {
      channel.write(message, promise: nil)
    }
    channel.flush()
    if becameWritable { owner.writabilityChanged(id, writable: true) }
  }

  /// The channel's own writability changed. Runs on the event loop.
  func channelWritabilityChanged(_ writable: Bool) {
    let changed = outbound.withLock { state -> Bool in
      state.channelWritable = writable
      return state.updateWritability()
    }
    if changed { owner.writabilityChanged(id, writable: writable) }
  }

  func setReading(_ reading: Bool) {
    channel.eventLoop.execute {
      try? self.channel.pipeline.syncOperations.handler(type: PipeChannelHandler.self).setReading(reading)
    }
  }

  func close() {
    channel.close(promise: nil)
  }
}
