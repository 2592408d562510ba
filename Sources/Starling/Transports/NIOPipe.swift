import DequeModule
import NIOCore
import Synchronization

import struct StarlingChannels.Lock

/// A pipe over a NIO channel (tcp, tls+tcp, ipc, ws, wss).
///
/// Writes from any thread go into a queue; the first write of a batch schedules one task on the
/// channel's event loop, which writes everything queued and flushes once, so many small
/// messages leave in one system call.
///
/// What the pipe holds is bounded by its send window (``SocketOptions/sendWindow``): half of it
/// for the queue, half for the channel's outbound buffer (its high-water mark). The pipe is
/// writable while its queue is under its half and the channel is writable; a sender that finds
/// every pipe full waits in `send` instead of growing memory. The queue goes to the channel only
/// while the channel is writable, so the two together hold about the window.
///
/// Whoever changes the state reports it, from its own thread: a writer that fills the queue tells
/// the socket before its `send` returns, so the socket routes no more to the pipe; the event loop
/// tells it after a drain or a change of the channel's writability. Reports are numbered in the
/// order the pipe saw its state, and the socket ignores one older than a report it has applied,
/// so reports that cross on their way cannot leave it with a stale state.
final class NIOPipe: PipeConnection {
  let id: PipeID
  let transportName: String
  let peerDescription: String
  let channel: any Channel
  private let owner: any PipeOwner
  private let framing: PipeFraming
  /// The queue's share of the send window, in bytes; never less than 1, so that an empty queue
  /// always takes a message.
  let queueLimit: Int

  private struct Outbound {
    var queue = Deque<Message>()
    /// The last batch's storage, emptied, for the queue to take next: draining swaps the two
    /// instead of copying the queue into a new buffer each time.
    var spare = Deque<Message>()
    /// The bytes of the frames in `queue`.
    var queuedBytes = 0
    var drainScheduled = false
    /// What the socket was last told, and how many reports it was sent.
    var reported = true
    var reports: UInt64 = 0
  }

  private let outbound = Lock.make(Outbound())

  /// A pipe over `channel`, holding at most about `sendWindow` bytes the kernel has not taken.
  /// Runs on the channel's event loop (it sets the channel's water marks).
  init(
    id: PipeID, channel: any Channel, transportName: String, owner: any PipeOwner, sendWindow: Int,
    framing: PipeFraming
  ) {
    self.id = id
    self.channel = channel
    self.framing = framing
    self.transportName = transportName
    self.peerDescription = channel.remoteAddress.map { "\($0)" } ?? transportName
    self.owner = owner
    let half = max(1, sendWindow / 2)
    queueLimit = half
    try? channel.syncOptions?.setOption(
      ChannelOptions.writeBufferWaterMark, value: .init(low: max(1, half / 2), high: half))
  }

  /// The bytes a message takes on the wire, as the send window counts them: the body and header
  /// with a frame's length prefix.
  static func frameSize(_ message: Message) -> Int {
    message.count + 8
  }

  func write(_ message: Message) {
    let (schedule, full) = outbound.withLock { state -> (Bool, Bool) in
      state.queue.append(message)
      state.queuedBytes += Self.frameSize(message)
      defer { state.drainScheduled = true }
      return (!state.drainScheduled, state.queuedBytes >= queueLimit)
    }
    if schedule {
      channel.eventLoop.execute { self.drain() }
    }
    if full { reportWritability() }
  }

  /// Writes everything queued, then flushes once. While the channel is not writable, leaves the
  /// queue where it is: the channel's writability change drains it. Runs on the event loop.
  private func drain() {
    let taken = outbound.withLock { state -> Deque<Message>? in
      state.drainScheduled = false
      guard channel.isWritable else { return nil }
      state.queuedBytes = 0
      var batch = Deque<Message>()
      swap(&batch, &state.spare)
      swap(&batch, &state.queue)
      return batch
    }
    if var batch = consume taken {
      writeOut(batch)
      channel.flush()
      // The only reference to its storage now, so emptying it keeps the storage.
      batch.removeAll(keepingCapacity: true)
      outbound.withLock { $0.spare = batch }
    }
    reportWritability()
  }

  /// Writes `batch` to the channel, as its framing says; the caller flushes. Runs on the event
  /// loop.
  private func writeOut(_ batch: Deque<Message>) {
    switch framing {
    case .messages:
      for message in batch { channel.write(message, promise: nil) }
    case .stream(let ipc):
      SPFrameEncoder.encode(batch, ipc: ipc, allocator: channel.allocator) { channel.write($0, promise: nil) }
    }
  }

  /// The channel's writability changed: writes out what waited for it, and tells the socket.
  /// Runs on the event loop.
  func channelWritabilityChanged() {
    if channel.isWritable, outbound.withLock({ !$0.queue.isEmpty }) {
      drain()
    } else {
      reportWritability()
    }
  }

  /// Tells the socket whether the pipe can take messages, if that changed: after each drain,
  /// when the channel's writability changes, and when a write fills the queue. Any thread.
  func reportWritability() {
    let report = outbound.withLock { state -> (writable: Bool, sequence: UInt64)? in
      let writable = state.queuedBytes < queueLimit && channel.isWritable
      guard writable != state.reported else { return nil }
      state.reported = writable
      state.reports += 1
      return (writable, state.reports)
    }
    if let report { owner.writabilityChanged(id, writable: report.writable, sequence: report.sequence) }
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

  /// Writes everything queued (past the send window: nothing more comes), then closes the
  /// connection's output, which NIO does once its pending writes are in the kernel, and then the
  /// whole channel; after `linger` at the latest, if the peer stops reading.
  func close(linger: Duration) async {
    let outputClosed = channel.eventLoop.makePromise(of: Void.self)
    channel.eventLoop.execute {
      let batch = self.outbound.withLock { state in
        state.queuedBytes = 0
        defer { state.queue.removeAll() }
        return state.queue
      }
      self.writeOut(batch)
      self.channel.flush()
      self.channel.close(mode: .output, promise: outputClosed)
    }
    await withTaskGroup(of: Void.self) { group in
      group.addTask { _ = try? await outputClosed.futureResult.get() }
      group.addTask { try? await Task.sleep(for: linger) }
      await group.next()
      group.cancelAll()
      // Fails the output's close if it is still pending, which ends its task.
      channel.close(promise: nil)
    }
  }
}
