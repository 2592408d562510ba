import DequeModule
import Synchronization

/// The state of one ``Channel``: its buffer and the queues of waiting senders and receivers.
///
/// Every method is a pure transition: it changes the state and returns what must happen
/// outside the lock (a ``Wake``), but it never resumes a continuation itself. The only shared
/// thing it touches is a select's ``SelectCore``, to claim it.
///
/// Invariants: waiting receivers exist only while the buffer is empty; waiting senders exist
/// only while the buffer is full; a closed channel has no waiting senders and no waiting
/// receivers.
@usableFromInline
struct ChannelStateMachine<Element: Sendable> {
  /// A task or select waiting to receive.
  @usableFromInline
  enum Receiver {
    case task(UnsafeContinuation<Element?, any Error>)
    case select(SelectWaiter<Element?>)
  }

  /// A task or select waiting to send, with the element it offers.
  @usableFromInline
  enum Sender {
    case task(UnsafeContinuation<Void, any Error>, Element)
    case select(SelectSendSlot<Element>)
  }

  /// A waiter with the identifier that cancellation and deregistration remove it by.
  @usableFromInline
  struct Waiting<Waiter> {
    @usableFromInline let id: UInt64
    @usableFromInline let waiter: Waiter

    @inlinable init(id: UInt64, waiter: Waiter) {
      self.id = id
      self.waiter = waiter
    }
  }

  /// Work to do after the lock is released.
  @usableFromInline
  enum Wake {
    case none
    /// Resume a receiving task with an element, or with `nil` for "closed".
    case receiver(UnsafeContinuation<Element?, any Error>, Element?)
    /// Hand a select's receive case an element (or `nil` for "closed") and resume the select.
    case selectReceiver(SelectClaim<Element?>, Element?)
    /// Resume a sending task: its element was taken.
    case sender(UnsafeContinuation<Void, any Error>)
    /// Resume a select whose send case fired.
    case selectSender(UnsafeContinuation<Int, any Error>, Int)
    /// Fail a select whose send case met a closed channel.
    case selectClosed(UnsafeContinuation<Int, any Error>)

    @inlinable
    func run() {
      switch self {
      case .none:
        break
      case .receiver(let continuation, let element):
        continuation.resume(returning: element)
      case .selectReceiver(let claim, let element):
        claim.fire(with: element)
      case .sender(let continuation):
        continuation.resume()
      case .selectSender(let continuation, let index):
        continuation.resume(returning: index)
      case .selectClosed(let continuation):
        continuation.resume(throwing: ChannelError.closed)
      }
    }
  }

  /// The outcome of a send that may not wait.
  @usableFromInline
  enum SendAttempt {
    /// The element was buffered or handed to a receiver (which the wake resumes).
    case sent(Wake)
    /// The buffer is full and nobody is waiting to receive.
    case full
    case closed
  }

  /// The outcome of a receive that may not wait.
  @usableFromInline
  enum ReceiveAttempt {
    /// An element, and the sender to resume if taking it made room for one.
    case element(Element, Wake)
    /// Nothing is buffered and nobody is waiting to send.
    case empty
    /// The channel is closed and drained.
    case closed
  }

  /// The outcome of registering one case of a select.
  @usableFromInline
  enum Registration {
    /// The case waits in this channel's queue (until it is removed by identity).
    case waiting
    /// The case completed at once: wake the counterpart, then the select itself.
    case fired(counterpart: Wake, select: Wake)
    /// The select already fired through another case: stop registering.
    case selectAlreadyFired
  }

  @usableFromInline let capacity: Int
  @usableFromInline var buffer: Deque<Element>
  @usableFromInline var receivers: Deque<Waiting<Receiver>> = []
  @usableFromInline var senders: Deque<Waiting<Sender>> = []
  @usableFromInline var isClosed = false
  @usableFromInline var nextID: UInt64 = 0

  @inlinable
  init(capacity: Int) {
    self.capacity = capacity
    // The buffer grows as elements arrive: the capacity is a bound, not a reservation (a
    // pipeline of 100,000 queues of 100 events reserved more than a gigabyte up front).
    self.buffer = Deque()
  }

  /// A fresh identifier for a waiter.
  @inlinable
  mutating func makeID() -> UInt64 {
    defer { nextID &+= 1 }
    return nextID
  }

  // MARK: Sending

  @inlinable
  mutating func trySend(_ element: Element) -> SendAttempt {
    if isClosed { return .closed }
    while let waiting = receivers.popFirst() {
      switch waiting.waiter {
      case .task(let waiter):
        return .sent(.receiver(waiter, element))
      case .select(let waiter):
        if let claim = waiter.claim() {
          return .sent(.selectReceiver(claim, element))
        }
      // A select that already fired elsewhere: drop its stale entry and look further.
      }
    }
    if buffer.count < capacity {
      buffer.append(element)
      return .sent(.none)
    }
    return .full
  }

  /// Sends if possible, or queues the waiting sender.
  ///
  /// Returns `nil` when the sender now waits; otherwise what to do (the sender's own
  /// continuation must then be resumed by the caller as the attempt says).
  @inlinable
  mutating func sendOrWait(
    _ element: Element, id: UInt64, continuation: UnsafeContinuation<Void, any Error>, isCancelled: Bool
  ) -> SendAttempt? {
    let attempt = trySend(element)
    guard case .full = attempt, !isCancelled else { return attempt }
    senders.append(Waiting(id: id, waiter: .task(continuation, element)))
    return nil
  }

  // MARK: Receiving

  @inlinable
  mutating func tryReceive() -> ReceiveAttempt {
    if let element = buffer.popFirst() {
      return .element(element, admitWaitingSender())
    }
    if let (element, wake) = takeFromWaitingSender() {
      return .element(element, wake)
    }
    return isClosed ? .closed : .empty
  }

  /// Receives if possible, or queues the waiting receiver. Returns `nil` when it now waits.
  @inlinable
  mutating func receiveOrWait(
    id: UInt64, continuation: UnsafeContinuation<Element?, any Error>, isCancelled: Bool
  ) -> ReceiveAttempt? {
    let attempt = tryReceive()
    guard case .empty = attempt, !isCancelled else { return attempt }
    receivers.append(Waiting(id: id, waiter: .task(continuation)))
    return nil
  }

  /// Moves the element of the first live waiting sender into the buffer.
  @inlinable
  mutating func admitWaitingSender() -> Wake {
    guard let (element, wake) = takeFromWaitingSender() else { return .none }
    buffer.append(element)
    return wake
  }

  /// Takes the element of the first live waiting sender.
  @inlinable
  mutating func takeFromWaitingSender() -> (Element, Wake)? {
    while let waiting = senders.popFirst() {
      switch waiting.waiter {
      case .task(let waiter, let element):
        return (element, .sender(waiter))
      case .select(let slot):
        if case .won(let continuation) = slot.core.claim() {
          return (slot.element, .selectSender(continuation!, slot.index))
        }
      }
    }
    return nil
  }

  // MARK: Closing and cancelling

  /// Closes the channel and hands back every waiter, which the caller must wake.
  @usableFromInline
  mutating func close() -> (Deque<Waiting<Receiver>>, Deque<Waiting<Sender>>) {
    guard !isClosed else { return ([], []) }
    isClosed = true
    defer {
      receivers = []
      senders = []
    }
    return (receivers, senders)
  }

  /// Removes the waiting receiver with this identifier, if it still waits.
  @inlinable
  mutating func removeReceiver(id: UInt64) -> Receiver? {
    guard let index = receivers.firstIndex(where: { $0.id == id }) else { return nil }
    return receivers.remove(at: index).waiter
  }

  /// Removes the waiting sender with this identifier, if it still waits.
  @inlinable
  mutating func removeSender(id: UInt64) -> Sender? {
    guard let index = senders.firstIndex(where: { $0.id == id }) else { return nil }
    return senders.remove(at: index).waiter
  }

  /// Removes a select's receive case, if it still waits.
  @inlinable
  mutating func removeSelectReceiver(_ slot: SelectWaiter<Element?>) {
    let index = receivers.firstIndex { waiting in
      if case .select(let queued) = waiting.waiter { queued === slot } else { false }
    }
    if let index { receivers.remove(at: index) }
  }

  /// Removes a select's send case, if it still waits.
  @inlinable
  mutating func removeSelectSender(_ slot: SelectSendSlot<Element>) {
    let index = senders.firstIndex { waiting in
      if case .select(let queued) = waiting.waiter { queued === slot } else { false }
    }
    if let index { senders.remove(at: index) }
  }

  // MARK: Select

  /// Registers a select's receive case: completes it now if the channel is ready, or queues it.
  @inlinable
  mutating func registerReceive(_ slot: SelectWaiter<Element?>) -> Registration {
    if !buffer.isEmpty || isClosed {
      guard let own = slot.claim() else { return .selectAlreadyFired }
      guard let element = buffer.popFirst() else {
        return .fired(counterpart: .none, select: .selectReceiver(own, nil))
      }
      return .fired(counterpart: admitWaitingSender(), select: .selectReceiver(own, element))
    }
    var index = 0
    while index < senders.count {
      let waiting = senders[index]
      switch waiting.waiter {
      case .task(let waiter, let element):
        guard let own = slot.claim() else { return .selectAlreadyFired }
        senders.remove(at: index)
        return .fired(counterpart: .sender(waiter), select: .selectReceiver(own, element))
      case .select(let other):
        if other.core === slot.core {
          index += 1  // the same select sending on this channel: a select never meets itself
          continue
        }
        switch SelectCore.claimPair(ours: slot.core, theirs: other.core) {
        case .both(let own, let theirs):
          senders.remove(at: index)
          return .fired(
            counterpart: .selectSender(theirs!, other.index),
            select: .selectReceiver(SelectClaim(waiter: slot, continuation: own!), other.element))
        case .oursLost:
          return .selectAlreadyFired
        case .theirsLost:
          senders.remove(at: index)
        }
      }
    }
    receivers.append(Waiting(id: makeID(), waiter: .select(slot)))
    return .waiting
  }

  /// Registers a select's send case: completes it now if the channel is ready, or queues it.
  @inlinable
  mutating func registerSend(_ slot: SelectSendSlot<Element>) -> Registration {
    if isClosed {
      guard case .won(let own) = slot.core.claim() else { return .selectAlreadyFired }
      return .fired(counterpart: .none, select: .selectClosed(own!))
    }
    var index = 0
    while index < receivers.count {
      let waiting = receivers[index]
      switch waiting.waiter {
      case .task(let waiter):
        guard case .won(let own) = slot.core.claim() else { return .selectAlreadyFired }
        receivers.remove(at: index)
        return .fired(
          counterpart: .receiver(waiter, slot.element), select: .selectSender(own!, slot.index))
      case .select(let other):
        if other.core === slot.core {
          index += 1
          continue
        }
        switch SelectCore.claimPair(ours: slot.core, theirs: other.core) {
        case .both(let own, let theirs):
          receivers.remove(at: index)
          return .fired(
            counterpart: .selectReceiver(SelectClaim(waiter: other, continuation: theirs!), slot.element),
            select: .selectSender(own!, slot.index))
        case .oursLost:
          return .selectAlreadyFired
        case .theirsLost:
          receivers.remove(at: index)
        }
      }
    }
    if buffer.count < capacity {
      guard case .won(let own) = slot.core.claim() else { return .selectAlreadyFired }
      buffer.append(slot.element)
      return .fired(counterpart: .none, select: .selectSender(own!, slot.index))
    }
    senders.append(Waiting(id: makeID(), waiter: .select(slot)))
    return .waiting
  }
}
