import DequeModule

import struct StarlingChannels.Lock

/// One direction of a virtual connection: what one end sent that has not yet reached the other,
/// each with its arrival time, and the task that hands each over when its time comes.
///
/// Backpressure works as over tcp: the sending end holds its send window in flight at most and
/// past that reports itself not writable until messages arrive; the receiving socket takes
/// messages only while it is reading (its receive queue has room), and while it is not they
/// wait, filling the window.
final class VirtualStream: Sendable {
  /// What travels: a message (with the bytes it counts), or the news that the sender closed.
  enum Item {
    case message(Message, bytes: Int)
    case close
  }

  /// What a change to the stream asks to be done once its locks are released.
  struct Notice {
    fileprivate var waiter: CheckedContinuation<Void, Never>?
    fileprivate var writability: (writable: Bool, sequence: UInt64)?
  }

  private struct State {
    var queue = Deque<(arrival: Duration, item: Item)>()
    var queuedBytes = 0
    var stopped = false
    /// What the sender's socket was last told, and how many reports it was sent.
    var writable = true
    var reports: UInt64 = 0
    /// A wake-up the delivery task has not yet taken, and the task waiting for one.
    var signalled = false
    var waiter: CheckedContinuation<Void, Never>?
    var task: Task<Void, Never>?

    mutating func wake(_ notice: inout Notice) {
      if let waiter {
        notice.waiter = waiter
        self.waiter = nil
      } else {
        signalled = true
      }
    }

    mutating func report(_ writable: Bool, _ notice: inout Notice) {
      guard writable != self.writable else { return }
      self.writable = writable
      reports += 1
      notice.writability = (writable, reports)
    }
  }

  private let state = Lock.make(State())
  private let clock: VirtualClock
  /// The bytes in flight at which the sender stops taking messages.
  private let window: Int
  /// The end the messages leave from, and the end they reach.
  let sender: VirtualPipe
  let receiver: VirtualPipe

  init(from sender: VirtualPipe, to receiver: VirtualPipe, clock: VirtualClock) {
    self.sender = sender
    self.receiver = receiver
    self.clock = clock
    window = max(1, sender.owner.options.sendWindow)
  }

  /// Starts handing messages over.
  func start() {
    let task = Task { await run() }
    let stopped = state.withLock { state in
      state.task = task
      return state.stopped
    }
    if stopped { task.cancel() }
  }

  /// Puts `item` on its way, to arrive at `arrival` (no earlier than the items before it).
  /// Post the notice once every lock is released.
  func enqueue(_ item: Item, arrival: Duration) -> Notice {
    var notice = Notice()
    state.withLock { state in
      guard !state.stopped else { return }
      if case .message(_, let bytes) = item { state.queuedBytes += bytes }
      state.queue.append((arrival, item))
      if state.queuedBytes >= window { state.report(false, &notice) }
      state.wake(&notice)
    }
    return notice
  }

  /// Tells the sender's socket and the delivery task what `notice` says.
  func post(_ notice: Notice) {
    if let (writable, sequence) = notice.writability {
      sender.owner.writabilityChanged(sender.id, writable: writable, sequence: sequence)
    }
    notice.waiter?.resume()
  }

  /// The receiving socket's reading state changed: the delivery task looks again.
  func readingChanged() {
    var notice = Notice()
    state.withLock { $0.wake(&notice) }
    post(notice)
  }

  /// Drops what is in flight and stops for good.
  func stop() {
    let (waiter, task) = state.withLock { state in
      state.stopped = true
      state.queue.removeAll()
      state.queuedBytes = 0
      defer { state.waiter = nil }
      return (state.waiter, state.task)
    }
    waiter?.resume()
    task?.cancel()
  }

  private func run() async {
    while let head = await next() {
      do {
        try await clock.sleep(until: head.arrival)
      } catch {
        return
      }
      if case .message = head.item {
        guard await receiverReads() else { return }
      }
      var notice = Notice()
      let taken = state.withLock { state -> Item? in
        guard !state.stopped, let item = state.queue.popFirst()?.item else { return nil }
        if case .message(_, let bytes) = item { state.queuedBytes -= bytes }
        if state.queuedBytes < window { state.report(true, &notice) }
        return item
      }
      post(notice)
      switch taken {
      case .message(let message, _): receiver.owner.received(message, on: receiver.id)
      case .close: receiver.closeArrived()
      case nil: return
      }
    }
  }

  /// The next item to hand over, waiting for one; `nil` once stopped.
  private func next() async -> (arrival: Duration, item: Item)? {
    while true {
      let (stopped, head) = state.withLock { ($0.stopped, $0.queue.first) }
      if stopped { return nil }
      if let head { return head }
      await waitForSignal()
    }
  }

  /// Waits until the receiving socket reads; `false` if the stream stopped first.
  private func receiverReads() async -> Bool {
    while !receiver.owner.isReading(receiver.id) {
      await waitForSignal()
      if state.withLock({ $0.stopped }) { return false }
    }
    return true
  }

  /// Waits for the next wake-up (or takes one that came since the last wait).
  private func waitForSignal() async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let now = state.withLock { state -> Bool in
        if state.signalled || state.stopped {
          state.signalled = false
          return true
        }
        state.waiter = continuation
        return false
      }
      if now { continuation.resume() }
    }
  }
}
