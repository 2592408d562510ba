import DequeModule
import NIOCore

/// The state of a socket: its protocol machine, pipes, queues and waiting callers.
///
/// Every method is a transition that returns what to do once the lock is released (writes to
/// pipes, continuations to resume); it performs no I/O and resumes nothing itself.
struct SocketCoreState<Machine: ProtocolMachine> {
  typealias Receiver = UnsafeContinuation<Message, any Error>
  typealias Sender = UnsafeContinuation<Void, any Error>

  /// A send waiting for a pipe; requests waiting to go out have no caller to resume.
  struct PendingSend {
    let id: UInt64
    let message: Message
    let continuation: Sender?
  }

  /// The answers to one live request or survey: those that arrived and nobody took yet, and
  /// the caller waiting for the next one, if any.
  struct ReplyQueue {
    var arrived = Deque<Message>()
    var waiter: (id: UInt64, receiver: Receiver)?
  }

  /// Work to do after unlocking.
  struct Effects {
    var writes = InlineList<(any PipeConnection, Message)>()
    var resumeSenders: [Sender] = []
    var deliveries = InlineList<(Receiver, Message)>()
    var failures: [(UnsafeContinuation<Message, any Error>?, Sender?, SPError)] = []
    var closePipes: [any PipeConnection] = []
    var resumeReading: [any PipeConnection] = []
    var pauseReading: (any PipeConnection)?
    var endEvents: [AsyncStream<PipeEvent>.Continuation] = []
    /// What to count in metrics and log, once unlocked.
    var report = Report()

    init() {}

    /// Carries the effects out. Must be called without the lock held.
    func run() {
      writes.forEach { pipe, message in pipe.write(message) }
      for sender in resumeSenders { sender.resume() }
      deliveries.forEach { receiver, message in receiver.resume(returning: message) }
      for (receiver, sender, error) in failures {
        receiver?.resume(throwing: error)
        sender?.resume(throwing: error)
      }
      for pipe in closePipes { pipe.close() }
      for pipe in resumeReading { pipe.readingChanged() }
      pauseReading?.readingChanged()
      for events in endEvents { events.finish() }
    }
  }

  /// What a transition did that metrics count and logs tell.
  struct Report {
    var messagesIn = 0
    var bytesIn = 0
    var messagesOut = 0
    var bytesOut = 0
    var drops: [(reason: DropReason, count: Int, pipe: PipeID?)] = []
    var pipeAdded: PipeInfo?
    var pipeRemoved: PipeInfo?
  }

  var machine: Machine
  var options: SocketOptions
  var pipes: [PipeID: any PipeConnection] = [:]
  /// Writable pipes, in the order they were added.
  var ready: [PipeID] = []
  /// The sequence number of the last writability report applied, by pipe: an older report that
  /// arrives later is stale.
  var writabilityReports: [PipeID: UInt64] = [:]
  var order: [PipeID] = []
  var inbox = Deque<Message>()
  let inboxLimit: Int
  var paused: [PipeID: any PipeConnection] = [:]
  var receivers = Deque<(id: UInt64, continuation: Receiver)>()
  var senders = Deque<PendingSend>()
  /// Live requests (req0) and surveys (surveyor0), by ID: an answer to an ID not here is stale.
  var replies: [UInt32: ReplyQueue] = [:]
  var isClosed = false
  var nextWaiterID: UInt64 = 0
  var statistics = SocketStatistics()
  /// Subscribers to pipe events, by subscription.
  var eventSubscribers: [UInt64: AsyncStream<PipeEvent>.Continuation] = [:]

  init(machine: Machine, options: SocketOptions) {
    self.machine = machine
    self.options = options
    self.inboxLimit = max(1, options.receiveBufferSize)
  }

  mutating func makeWaiterID() -> UInt64 {
    defer { nextWaiterID &+= 1 }
    return nextWaiterID
  }

  // MARK: Pipes

  mutating func attach(_ pipe: any PipeConnection) -> Result<Effects, SPError> {
    if isClosed { return .failure(.closed) }
    if let refusal = machine.pipeAdded(pipe.id) {
      statistics.pipesRefused += 1
      return .failure(refusal)
    }
    pipes[pipe.id] = pipe
    order.append(pipe.id)
    ready.append(pipe.id)
    statistics.pipesOpen += 1
    statistics.pipesTotal += 1
    var effects = Effects()
    let info = PipeInfo(pipe)
    effects.report.pipeAdded = info
    publish(.added(info))
    flushWaitingSenders(into: &effects)
    return .success(effects)
  }

  mutating func detach(_ id: PipeID, reason: SPError?) -> Effects {
    var effects = Effects()
    guard let pipe = pipes.removeValue(forKey: id) else { return effects }
    order.removeAll { $0 == id }
    ready.removeAll { $0 == id }
    writabilityReports[id] = nil
    paused[id] = nil
    statistics.pipesOpen -= 1
    if let reason { recordFailure(reason) }
    let info = PipeInfo(pipe)
    effects.report.pipeRemoved = info
    publish(.removed(info, reason: reason))
    for effect in machine.pipeRemoved(id) {
      switch effect {
      case .resend(let message):
        route(message, continuation: nil, waiterID: makeWaiterID(), into: &effects)
      }
    }
    return effects
  }

  mutating func writabilityChanged(_ id: PipeID, writable: Bool, sequence: UInt64) -> Effects {
    var effects = Effects()
    guard pipes[id] != nil, sequence > writabilityReports[id, default: 0] else { return effects }
    writabilityReports[id] = sequence
    if writable {
      guard !ready.contains(id) else { return effects }
      ready = order.filter { $0 == id || ready.contains($0) }
      flushWaitingSenders(into: &effects)
    } else {
      ready.removeAll { $0 == id }
    }
    return effects
  }

  // MARK: Sending

  /// Routes a message, or queues it when no pipe can take it. Returns `false` if it waits.
  @discardableResult
  mutating func route(
    _ message: Message, continuation: Sender?, waiterID: UInt64, into effects: inout Effects
  ) -> Bool {
    let send = PendingSend(id: waiterID, message: message, continuation: continuation)
    // Keep sends in order: nothing overtakes a waiting send.
    guard senders.isEmpty, routeNow(send, into: &effects) else {
      senders.append(send)
      return false
    }
    return true
  }

  /// The outcome of routing a message once.
  enum Attempt {
    case done
    case failed(SPError)
    case wait
  }

  /// Routes a message if a pipe can take it now; never queues it.
  mutating func attempt(_ message: Message, into effects: inout Effects) -> Attempt {
    switch machine.route(message, ready: ready) {
    case .write(let write):
      queue(write, into: &effects)
      return .done
    case .fanOut(let writes, let dropped):
      queue(writes, into: &effects)
      if dropped > 0 { drop(.queueFull, count: dropped, from: nil, into: &effects) }
      return .done
    case .discard:
      return .done
    case .fail(let error):
      return .failed(error)
    case .wait:
      return .wait
    }
  }

  private mutating func routeNow(_ send: PendingSend, into effects: inout Effects) -> Bool {
    switch attempt(send.message, into: &effects) {
    case .done:
      if let continuation = send.continuation { effects.resumeSenders.append(continuation) }
      return true
    case .failed(let error):
      effects.failures.append((nil, send.continuation, error))
      return true
    case .wait:
      return false
    }
  }

  private mutating func queue(_ writes: [PipeWrite], into effects: inout Effects) {
    for write in writes { queue(write, into: &effects) }
  }

  private mutating func queue(_ write: PipeWrite, into effects: inout Effects) {
    guard let pipe = pipes[write.pipe] else { return }
    let bytes = write.message.count
    statistics.messagesOut += 1
    statistics.bytesOut += bytes
    effects.report.messagesOut += 1
    effects.report.bytesOut += bytes
    effects.writes.append((pipe, write.message))
  }

  private mutating func flushWaitingSenders(into effects: inout Effects) {
    while let next = senders.first, routeNow(next, into: &effects) {
      senders.removeFirst()
    }
  }

  mutating func removeSender(id: UInt64) -> Sender? {
    guard let index = senders.firstIndex(where: { $0.id == id }) else { return nil }
    return senders.remove(at: index).continuation
  }

  // MARK: Receiving

  mutating func received(_ message: Message, on id: PipeID, into effects: inout Effects) {
    guard let pipe = pipes[id] else { return }
    switch machine.inbound(message, from: id) {
    case .deliver(let delivered):
      count(delivered, into: &effects)
      if let receiver = receivers.popFirst() {
        effects.deliveries.append((receiver.continuation, delivered))
      } else if Machine.dropsOldestWhenFull, inbox.count >= inboxLimit {
        inbox.removeFirst()
        inbox.append(delivered)
        drop(.queueFull, from: id, into: &effects)
      } else {
        inbox.append(delivered)
        if !Machine.dropsOldestWhenFull, inbox.count >= inboxLimit, paused[id] == nil {
          paused[id] = pipe
          effects.pauseReading = pipe
        }
      }
    case .deliverReply(let requestID, let reply):
      // Changed in place (`replies[requestID]!`): a copy of the queue would copy its storage.
      guard replies[requestID] != nil else {
        drop(.stale, from: id, into: &effects)
        break
      }
      count(reply, into: &effects)
      if let waiter = replies[requestID]!.waiter {
        replies[requestID]!.waiter = nil
        effects.deliveries.append((waiter.receiver, reply))
      } else if replies[requestID]!.arrived.count < inboxLimit {
        replies[requestID]!.arrived.append(reply)
      } else {
        drop(.queueFull, from: id, into: &effects)
      }
    case .drop(let reason):
      drop(reason, from: id, into: &effects)
    case .closePipe(let error):
      recordFailure(error)
      effects.closePipes.append(pipe)
    }
  }

  /// Counts a connection or pipe that failed, under its reason.
  mutating func recordFailure(_ error: SPError) {
    statistics.protocolErrors[error.kind, default: 0] += 1
    statistics.lastPipeError = error
  }

  private mutating func count(_ message: Message, into effects: inout Effects) {
    let bytes = message.count
    statistics.messagesIn += 1
    statistics.bytesIn += bytes
    effects.report.messagesIn += 1
    effects.report.bytesIn += bytes
  }

  private mutating func drop(
    _ reason: DropReason, count: Int = 1, from pipe: PipeID?, into effects: inout Effects
  ) {
    statistics.drops[reason, default: 0] += count
    effects.report.drops.append((reason, count, pipe))
  }

  // MARK: Pipe events

  /// Adds a subscriber to pipe events; it first hears of every pipe open now.
  mutating func subscribe(_ events: AsyncStream<PipeEvent>.Continuation, id: UInt64) -> Effects {
    var effects = Effects()
    for pipe in order.compactMap({ pipes[$0] }) { events.yield(.added(PipeInfo(pipe))) }
    if isClosed {
      effects.endEvents.append(events)
    } else {
      eventSubscribers[id] = events
    }
    return effects
  }

  /// Tells every subscriber, in the order events happen (the caller holds the lock).
  private func publish(_ event: PipeEvent) {
    for events in eventSubscribers.values { events.yield(event) }
  }

  /// Takes a queued message, resuming paused pipes once the queue has room again.
  mutating func takeFromInbox(into effects: inout Effects) -> Message? {
    guard let message = inbox.popFirst() else { return nil }
    if !paused.isEmpty, inbox.count <= inboxLimit / 2 {
      effects.resumeReading.append(contentsOf: paused.values)
      paused = [:]
    }
    return message
  }

  mutating func removeReceiver(id: UInt64) -> Receiver? {
    guard let index = receivers.firstIndex(where: { $0.id == id }) else { return nil }
    return receivers.remove(at: index).continuation
  }

  // MARK: Answers to requests and surveys

  /// Starts collecting the answers to request or survey `id`.
  mutating func openReplies(_ id: UInt32) {
    replies[id] = ReplyQueue()
  }

  /// Stops collecting the answers to `id`: later ones are stale. Returns the caller still
  /// waiting for one, to fail.
  mutating func closeReplies(_ id: UInt32) -> Receiver? {
    replies.removeValue(forKey: id)?.waiter?.receiver
  }

  /// The outcome of waiting for an answer.
  enum ReplyWait {
    case answer(Message)
    case waiting
    case failed(any Error)
  }

  /// Takes the next answer to `id`, or registers `receiver` to be resumed with it.
  mutating func awaitReply(_ id: UInt32, waiterID: UInt64, receiver: Receiver) -> ReplyWait {
    if isClosed { return .failed(SPError.closed) }
    guard var queue = replies[id] else {
      return .failed(SPError.cancelled("the request or survey is no longer outstanding"))
    }
    if let answer = queue.arrived.popFirst() {
      replies[id] = queue
      return .answer(answer)
    }
    queue.waiter = (waiterID, receiver)
    replies[id] = queue
    return .waiting
  }

  /// Takes back a wait for an answer (timed out or cancelled).
  /// Takes back the wait `waiterID` for an answer (its timeout or cancellation came first).
  mutating func removeReplyWaiter(waiterID: UInt64) -> Receiver? {
    guard let index = replies.firstIndex(where: { $0.value.waiter?.id == waiterID }) else { return nil }
    defer { replies.values[index].waiter = nil }
    return replies.values[index].waiter?.receiver
  }

  // MARK: Closing

  mutating func close() -> Effects {
    var effects = Effects()
    guard !isClosed else { return effects }
    isClosed = true
    // Subscribers hear of every pipe leaving, then their sequences end.
    for pipe in order.compactMap({ pipes[$0] }) { publish(.removed(PipeInfo(pipe), reason: nil)) }
    effects.endEvents = Array(eventSubscribers.values)
    eventSubscribers = [:]
    for receiver in receivers { effects.failures.append((receiver.continuation, nil, .closed)) }
    for send in senders { effects.failures.append((nil, send.continuation, .closed)) }
    for case let waiter? in replies.values.map(\.waiter) {
      effects.failures.append((waiter.receiver, nil, .closed))
    }
    receivers = []
    senders = []
    replies = [:]
    effects.closePipes = Array(pipes.values)
    return effects
  }
}
