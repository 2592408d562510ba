import Testing

@testable import StarlingChannels

/// Unit tests that drive `ChannelStateMachine` directly, without `Channel`.
///
/// Continuations that the machine needs come from real tasks (which then wait until a test
/// runs the `Wake` the machine handed back), so every transition is observed exactly as
/// `Channel` and `select` see it.
@Suite struct ChannelStateMachineTests {
  // MARK: Buffer transitions without waiters

  @Test(arguments: [1, 2, 5])
  func trySendFillsTheBufferThenReportsFull(capacity: Int) {
    let machine = Machine<Int>(capacity: capacity)
    for value in 0..<capacity {
      let attempt = machine.trySend(value)
      guard case .sent(.none) = attempt else {
        Issue.record("send \(value) into a buffer with room: \(describe(attempt))")
        return
      }
    }
    #expect(machine.buffer == Array(0..<capacity))
    let attempt = machine.trySend(99)
    #expect(isFull(attempt), "\(describe(attempt))")
    #expect(machine.buffer == Array(0..<capacity), "a full buffer must not grow")
    machine.checkInvariants()
  }

  @Test func tryReceiveIsFirstInFirstOutThenEmpty() {
    let machine = Machine<Int>(capacity: 4)
    for value in [10, 20, 30] { _ = machine.trySend(value) }
    var received: [Int] = []
    while case .element(let element, let wake) = machine.tryReceive() {
      guard case .none = wake else {
        Issue.record("nobody waits to send, yet the receive woke someone")
        return
      }
      received.append(element)
    }
    #expect(received == [10, 20, 30])
    #expect(isEmpty(machine.tryReceive()))
    machine.checkInvariants()
  }

  @Test func rendezvousWithoutWaitersNeitherBuffersNorReceives() {
    let machine = Machine<String>(capacity: 0)
    #expect(isFull(machine.trySend("x")))
    #expect(machine.buffer.isEmpty)
    #expect(isEmpty(machine.tryReceive()))
    machine.checkInvariants()
  }

  @Test func closeRejectsSendsButLetsTheBufferDrain() {
    let machine = Machine<Int>(capacity: 3)
    _ = machine.trySend(1)
    _ = machine.trySend(2)
    let (receivers, senders) = machine.state.withLock { $0.close() }
    #expect(receivers.isEmpty)
    #expect(senders.isEmpty)
    #expect(machine.state.withLock { $0.isClosed })
    #expect(isClosed(machine.trySend(3)), "a closed channel accepts nothing, even with room")
    #expect(elementOf(machine.tryReceive()) == 1)
    #expect(elementOf(machine.tryReceive()) == 2)
    #expect(isClosed(machine.tryReceive()), "closed and drained")
    #expect(isClosed(machine.tryReceive()), "closed stays closed")
    machine.checkInvariants()
  }

  @Test func closingTwiceIsHarmless() {
    let machine = Machine<Int>(capacity: 2)
    _ = machine.trySend(1)
    _ = machine.state.withLock { $0.close() }
    let (receivers, senders) = machine.state.withLock { $0.close() }
    #expect(receivers.isEmpty && senders.isEmpty)
    #expect(machine.state.withLock { $0.isClosed })
    #expect(machine.buffer == [1], "a second close must not touch the buffer")
  }

  @Test func closedEmptyRendezvousReportsClosedBothWays() {
    let machine = Machine<Int>(capacity: 0)
    _ = machine.state.withLock { $0.close() }
    #expect(isClosed(machine.trySend(1)))
    #expect(isClosed(machine.tryReceive()))
  }

  @Test func identifiersNeverRepeat() {
    let machine = Machine<Int>(capacity: 0)
    let ids = (0..<1000).map { _ in machine.state.withLock { $0.makeID() } }
    #expect(Set(ids).count == ids.count)
  }

  // MARK: Waiting tasks

  @Test func waitingReceiverGetsTheElementWithoutTheBuffer() async throws {
    let machine = Machine<Int>(capacity: 2)
    let receiver = machine.waitingReceiver(id: 1)
    try await machine.waitUntil { $0.receivers.count == 1 }
    let attempt = machine.trySend(7)
    guard case .sent(.receiver(_, let element)) = attempt else {
      Issue.record("a waiting receiver must get the element: \(describe(attempt))")
      receiver.cancel()
      return
    }
    #expect(element == 7)
    #expect(machine.buffer.isEmpty, "a handed-over element must not also be buffered")
    #expect(machine.counts == (receivers: 0, senders: 0))
    if case .sent(let wake) = attempt { wake.run() }
    #expect(try await receiver.value == 7)
  }

  @Test func waitingSendersAreAdmittedInArrivalOrder() async throws {
    let machine = Machine<Int>(capacity: 1)
    _ = machine.trySend(0)
    var senders: [Task<Void, any Error>] = []
    for value in 1...3 {
      senders.append(machine.waitingSender(value, id: UInt64(value)))
      try await machine.waitUntil { $0.senders.count == value }
      machine.checkInvariants()
    }
    var received: [Int] = []
    for expectedBuffer in [[1], [2], [3], []] {
      guard case .element(let element, let wake) = machine.tryReceive() else {
        Issue.record("the buffer or a waiting sender should have an element")
        return
      }
      received.append(element)
      wake.run()
      #expect(machine.buffer == expectedBuffer, "the first waiting sender moves into the freed slot")
      machine.checkInvariants()
    }
    #expect(received == [0, 1, 2, 3])
    for sender in senders { try await sender.value }
    #expect(isEmpty(machine.tryReceive()))
  }

  @Test func rendezvousReceiveTakesStraightFromTheWaitingSender() async throws {
    let machine = Machine<Int>(capacity: 0)
    let sender = machine.waitingSender(5, id: 1)
    try await machine.waitUntil { $0.senders.count == 1 }
    guard case .element(let element, let wake) = machine.tryReceive() else {
      Issue.record("the waiting sender's element should be taken")
      sender.cancel()
      return
    }
    #expect(element == 5)
    guard case .sender = wake else {
      Issue.record("taking the element must wake its sender")
      return
    }
    wake.run()
    try await sender.value
    #expect(machine.counts == (receivers: 0, senders: 0))
  }

  @Test func cancelledSendOrWaitDoesNotQueue() async throws {
    let machine = Machine<Int>(capacity: 0)
    await #expect(throws: CancellationError.self) {
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
        let attempt = machine.state.withLock {
          $0.sendOrWait(1, id: 1, continuation: continuation, isCancelled: true)
        }
        #expect(isFull(attempt), "a cancelled sender that would wait must be told so")
        continuation.resume(throwing: CancellationError())
      }
    }
    #expect(machine.counts == (receivers: 0, senders: 0))
    #expect(isEmpty(machine.tryReceive()), "the cancelled element must not be deliverable")
  }

  @Test func cancelledReceiveOrWaitDoesNotQueue() async throws {
    let machine = Machine<Int>(capacity: 1)
    await #expect(throws: CancellationError.self) {
      _ = try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Int?, any Error>) in
        let attempt = machine.state.withLock {
          $0.receiveOrWait(id: 1, continuation: continuation, isCancelled: true)
        }
        #expect(isEmpty(attempt), "a cancelled receiver that would wait must be told so")
        continuation.resume(throwing: CancellationError())
      }
    }
    #expect(machine.counts == (receivers: 0, senders: 0))
    #expect(isSentToBuffer(machine.trySend(3)), "the next element must go to the buffer")
    #expect(machine.buffer == [3])
  }

  @Test func sendOrWaitCompletesAtOnceWhenThereIsRoom() async throws {
    let machine = Machine<Int>(capacity: 1)
    try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
      let attempt = machine.state.withLock {
        $0.sendOrWait(4, id: 1, continuation: continuation, isCancelled: false)
      }
      #expect(isSentToBuffer(attempt), "with room the sender must not wait")
      continuation.resume()
    }
    #expect(machine.buffer == [4])
    #expect(machine.counts == (receivers: 0, senders: 0))
  }

  @Test func removingAWaiterByIdentifierKeepsTheOthersInOrder() async throws {
    let machine = Machine<Int>(capacity: 0)
    let first = machine.waitingReceiver(id: 1)
    try await machine.waitUntil { $0.receivers.count == 1 }
    let second = machine.waitingReceiver(id: 2)
    try await machine.waitUntil { $0.receivers.count == 2 }
    let third = machine.waitingReceiver(id: 3)
    try await machine.waitUntil { $0.receivers.count == 3 }

    let removed = machine.state.withLock { $0.removeReceiver(id: 2) }
    guard case .task(let continuation) = removed else {
      Issue.record("receiver 2 should have been removed")
      return
    }
    continuation.resume(throwing: CancellationError())
    #expect(machine.state.withLock { $0.removeReceiver(id: 2) } == nil, "removed twice")
    #expect(machine.state.withLock { $0.removeReceiver(id: 99) } == nil, "never queued")
    #expect(machine.state.withLock { $0.removeSender(id: 1) } == nil, "a receiver is not a sender")

    for value in [100, 300] {
      guard case .sent(let wake) = machine.trySend(value) else {
        Issue.record("a receiver still waits")
        return
      }
      wake.run()
    }
    #expect(try await first.value == 100)
    await #expect(throws: CancellationError.self) { try await second.value }
    #expect(try await third.value == 300)
    #expect(machine.counts == (receivers: 0, senders: 0))
  }

  @Test func closeHandsBackEveryWaiterAndEmptiesTheQueues() async throws {
    let receiving = Machine<Int>(capacity: 0)
    let receivers = (1...3).map { receiving.waitingReceiver(id: UInt64($0)) }
    try await receiving.waitUntil { $0.receivers.count == 3 }
    let (closedReceivers, noSenders) = receiving.state.withLock { $0.close() }
    #expect(closedReceivers.map(\.id).sorted() == [1, 2, 3])
    #expect(noSenders.isEmpty)
    #expect(receiving.counts == (receivers: 0, senders: 0), "a closed channel has no waiters")
    for waiting in Array(closedReceivers) {
      if case .task(let continuation) = waiting.waiter { continuation.resume(returning: nil) }
    }
    for receiver in receivers { #expect(try await receiver.value == nil) }

    let sending = Machine<Int>(capacity: 1)
    _ = sending.trySend(0)
    let senders = (1...3).map { sending.waitingSender($0, id: UInt64($0)) }
    try await sending.waitUntil { $0.senders.count == 3 }
    let (noReceivers, closedSenders) = sending.state.withLock { $0.close() }
    #expect(noReceivers.isEmpty)
    #expect(closedSenders.map(\.id).sorted() == [1, 2, 3])
    #expect(sending.counts == (receivers: 0, senders: 0))
    for waiting in Array(closedSenders) {
      if case .task(let continuation, _) = waiting.waiter {
        continuation.resume(throwing: ChannelError.closed)
      }
    }
    for sender in senders { await #expect(throws: ChannelError.closed) { try await sender.value } }
    #expect(elementOf(sending.tryReceive()) == 0, "the buffer survives close")
    #expect(isClosed(sending.tryReceive()), "no waiting sender's element may sneak in after close")
  }

  // MARK: Select registrations

  @Test func staleSelectReceiverDoesNotSwallowAnElement() {
    let machine = Machine<Int>(capacity: 1)
    let core = SelectCore()
    let slot = SelectWaiter<Int?>(core: core, index: 0)
    guard case .waiting = machine.state.withLock({ $0.registerReceive(slot) }) else {
      Issue.record("an empty channel should queue the receive case")
      return
    }
    guard case .won = core.claim() else {
      Issue.record("a fresh core must be claimable")
      return
    }  // the select fired elsewhere
    #expect(isSentToBuffer(machine.trySend(8)), "the stale receive case must be skipped")
    #expect(machine.buffer == [8])
    #expect(machine.counts == (receivers: 0, senders: 0), "the stale entry is dropped")
    #expect(slot.output == nil, "nothing may be delivered to a fired select")
  }

  @Test func staleSelectSenderDoesNotDeliver() {
    let machine = Machine<Int>(capacity: 0)
    let core = SelectCore()
    let slot = SelectSendSlot(core: core, index: 0, element: 9)
    guard case .waiting = machine.state.withLock({ $0.registerSend(slot) }) else {
      Issue.record("a rendezvous channel without receivers should queue the send case")
      return
    }
    _ = core.claim()
    #expect(isEmpty(machine.tryReceive()), "a fired select's send case must not deliver")
    #expect(machine.counts == (receivers: 0, senders: 0))
  }

  @Test func registerReceiveTakesTheBufferedElementAndAdmitsAWaitingSender() async throws {
    let machine = Machine<Int>(capacity: 1)
    _ = machine.trySend(1)
    let sender = machine.waitingSender(2, id: 100)
    try await machine.waitUntil { $0.senders.count == 1 }
    let slot = try await withSelect { core in
      let slot = SelectWaiter<Int?>(core: core, index: 3)
      let registration = machine.state.withLock { $0.registerReceive(slot) }
      guard case .fired(let counterpart, let selectWake) = registration else {
        Issue.record("a buffered element must fire the receive case at once")
        return slot
      }
      guard case .sender = counterpart else {
        Issue.record("taking from a full buffer must admit the waiting sender")
        return slot
      }
      counterpart.run()
      selectWake.run()
      return slot
    }
    #expect(slot.index == 3)
    #expect(slot.output == .some(1))
    try await sender.value
    #expect(machine.buffer == [2])
    machine.checkInvariants()
  }

  @Test func registerReceiveOnAClosedDrainedChannelFiresWithNil() async throws {
    let machine = Machine<Int>(capacity: 1)
    _ = machine.state.withLock { $0.close() }
    let slot = try await withSelect { core in
      let slot = SelectWaiter<Int?>(core: core, index: 0)
      guard
        case .fired(let counterpart, let selectWake) = machine.state.withLock({ $0.registerReceive(slot) })
      else {
        Issue.record("a closed channel must fire the receive case")
        return slot
      }
      counterpart.run()
      selectWake.run()
      return slot
    }
    #expect(slot.output == .some(nil), "closed is reported as a nil element")
    #expect(machine.counts == (receivers: 0, senders: 0))
  }

  @Test func registerSendOnAClosedChannelFailsTheSelect() async throws {
    let machine = Machine<Int>(capacity: 1)
    _ = machine.state.withLock { $0.close() }
    await #expect(throws: ChannelError.closed) {
      _ = try await withSelect { core in
        let slot = SelectSendSlot(core: core, index: 0, element: 1)
        guard case .fired(let counterpart, let selectWake) = machine.state.withLock({ $0.registerSend(slot) })
        else {
          Issue.record("a closed channel must fire the send case")
          return
        }
        counterpart.run()
        selectWake.run()
      }
    }
    #expect(machine.buffer.isEmpty, "the element must not be buffered in a closed channel")
  }

  @Test func registerSendBuffersWhenThereIsRoom() async throws {
    let machine = Machine<Int>(capacity: 2)
    _ = try await withSelect { core in
      let slot = SelectSendSlot(core: core, index: 1, element: 6)
      guard case .fired(let counterpart, let selectWake) = machine.state.withLock({ $0.registerSend(slot) })
      else {
        Issue.record("a buffer with room must fire the send case")
        return
      }
      counterpart.run()
      selectWake.run()
    }
    #expect(machine.buffer == [6])
  }

  @Test func aSelectNeverPairsWithItselfButPairsWithAnother() async throws {
    let machine = Machine<Int>(capacity: 0)
    // Select A: send 1 and receive, on the same rendezvous channel. It must wait.
    let selectA = Task {
      try await waitingSelect { core in
        let sendSlot = SelectSendSlot(core: core, index: 0, element: 1)
        let receiveSlot = SelectWaiter<Int?>(core: core, index: 1)
        let sendRegistration = machine.state.withLock { $0.registerSend(sendSlot) }
        let receiveRegistration = machine.state.withLock { $0.registerReceive(receiveSlot) }
        #expect(isWaiting(sendRegistration), "nobody else is there")
        #expect(isWaiting(receiveRegistration), "a select must not receive its own element")
      }
    }
    try await machine.waitUntil { $0.senders.count == 1 && $0.receivers.count == 1 }

    // Select B: receive. It pairs with A's send case.
    let slotB = try await withSelect { core in
      let slot = SelectWaiter<Int?>(core: core, index: 7)
      guard
        case .fired(let counterpart, let selectWake) = machine.state.withLock({ $0.registerReceive(slot) })
      else {
        Issue.record("B must pair with A's waiting send case")
        return slot
      }
      guard case .selectSender(_, let index) = counterpart else {
        Issue.record("the counterpart must be A's send case")
        return slot
      }
      #expect(index == 0)
      counterpart.run()
      selectWake.run()
      return slot
    }
    #expect(slotB.output == .some(1))
    #expect(try await selectA.value == 0, "A fired through its send case")
    // A's receive case is stale now: a sender must skip it.
    #expect(isFull(machine.trySend(2)))
    #expect(machine.counts == (receivers: 0, senders: 0))
  }

  @Test func registerSkipsAFiredSelectAndPairsWithTheNextSender() async throws {
    let machine = Machine<Int>(capacity: 0)
    let staleCore = SelectCore()
    _ = machine.state.withLock { $0.registerSend(SelectSendSlot(core: staleCore, index: 0, element: -1)) }
    _ = staleCore.claim()
    let sender = machine.waitingSender(11, id: 500)
    try await machine.waitUntil { $0.senders.count == 2 }
    let slot = try await withSelect { core in
      let slot = SelectWaiter<Int?>(core: core, index: 0)
      guard
        case .fired(let counterpart, let selectWake) = machine.state.withLock({ $0.registerReceive(slot) })
      else {
        Issue.record("the live task sender must be found behind the stale select")
        return slot
      }
      counterpart.run()
      selectWake.run()
      return slot
    }
    #expect(slot.output == .some(11), "the stale select's element must not be taken")
    try await sender.value
    #expect(machine.counts == (receivers: 0, senders: 0))
  }

  @Test func twoCoresClaimedTogetherOrNotAtAll() {
    let ours = SelectCore()
    let theirs = SelectCore()
    _ = theirs.claim()
    guard case .theirsLost = SelectCore.claimPair(ours: ours, theirs: theirs) else {
      Issue.record("their core was already claimed")
      return
    }
    guard case .won = ours.claim() else {
      Issue.record("a failed pair claim must leave our core unclaimed")
      return
    }
    let other = SelectCore()
    guard case .oursLost = SelectCore.claimPair(ours: ours, theirs: other) else {
      Issue.record("our core was already claimed")
      return
    }
    guard case .won = other.claim() else {
      Issue.record("a failed pair claim must leave their core unclaimed")
      return
    }
  }

  // MARK: Model check

  /// Random `trySend`/`tryReceive`/`close` sequences against a plain array model.
  @Test(arguments: [0, 1, 3, 8])
  func randomOperationsMatchAQueueModel(capacity: Int) {
    var random = SplitMix64(seed: UInt64(capacity) &* 0x9E37_79B9 &+ 17)
    let machine = Machine<Int>(capacity: capacity)
    var model: [Int] = []
    var closed = false
    var next = 0
    for step in 0..<5_000 {
      let roll = random.next() % 100
      if roll < 50 {
        let attempt = machine.trySend(next)
        if closed {
          #expect(isClosed(attempt), "step \(step)")
        } else if model.count < capacity {
          #expect(isSentToBuffer(attempt), "step \(step)")
          model.append(next)
        } else {
          #expect(isFull(attempt), "step \(step)")
        }
        next += 1
      } else if roll < 99 {
        let attempt = machine.tryReceive()
        if !model.isEmpty {
          #expect(elementOf(attempt) == model.removeFirst(), "step \(step)")
        } else if closed {
          #expect(isClosed(attempt), "step \(step)")
        } else {
          #expect(isEmpty(attempt), "step \(step)")
        }
      } else {
        _ = machine.state.withLock { $0.close() }
        closed = true
      }
      #expect(machine.buffer == model, "step \(step)")
      machine.checkInvariants()
      if machine.buffer != model { return }
    }
  }
}

// MARK: - Helpers

/// A state machine behind a lock, shared with the tasks that wait in it.
private final class Machine<Element: Sendable>: Sendable {
  let state: Lock<ChannelStateMachine<Element>>

  init(capacity: Int) {
    state = Lock.make(ChannelStateMachine(capacity: capacity))
  }

  var buffer: [Element] {
    // Not `Array(buffer)` on an empty buffer: that writes the shared empty-array storage, which
    // ThreadSanitizer reports as a race between unrelated locks.
    state.withLock { $0.buffer.isEmpty ? [] : Array($0.buffer) }
  }
  var counts: (receivers: Int, senders: Int) { state.withLock { ($0.receivers.count, $0.senders.count) } }

  func trySend(_ element: Element) -> ChannelStateMachine<Element>.SendAttempt {
    state.withLock { $0.trySend(element) }
  }

  func tryReceive() -> ChannelStateMachine<Element>.ReceiveAttempt {
    state.withLock { $0.tryReceive() }
  }

  /// A task that waits in the machine to receive, as `Channel.receive()` does.
  func waitingReceiver(id: UInt64) -> Task<Element?, any Error> {
    Task {
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Element?, any Error>) in
        let attempt = self.state.withLock {
          $0.receiveOrWait(id: id, continuation: continuation, isCancelled: false)
        }
        if attempt != nil { continuation.resume(throwing: UnexpectedOutcome()) }
      }
    }
  }

  /// A task that waits in the machine to send, as `Channel.send(_:)` does.
  func waitingSender(_ element: Element, id: UInt64) -> Task<Void, any Error> {
    Task {
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
        let attempt = self.state.withLock {
          $0.sendOrWait(element, id: id, continuation: continuation, isCancelled: false)
        }
        if attempt != nil { continuation.resume(throwing: UnexpectedOutcome()) }
      }
    }
  }

  /// Yields until `condition` holds on the state (there is no event to await for "a task now
  /// waits in the queue").
  func waitUntil(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: (borrowing ChannelStateMachine<Element>) -> Bool
  ) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while !state.withLock({ condition($0) }) {
      if ContinuousClock.now > deadline {
        Issue.record("the state never reached the expected condition", sourceLocation: sourceLocation)
        throw UnexpectedOutcome()
      }
      await Task.yield()
    }
  }

  /// The documented invariants: receivers wait only on an empty buffer, senders only on a full
  /// one, and a closed channel has no waiters.
  func checkInvariants(sourceLocation: SourceLocation = #_sourceLocation) {
    state.withLock { machine in
      #expect(machine.buffer.count <= machine.capacity, sourceLocation: sourceLocation)
      #expect(
        machine.receivers.isEmpty || machine.buffer.isEmpty, "receivers wait only while the buffer is empty",
        sourceLocation: sourceLocation)
      #expect(
        machine.senders.isEmpty || machine.buffer.count == machine.capacity,
        "senders wait only while the buffer is full", sourceLocation: sourceLocation)
      #expect(
        !machine.isClosed || (machine.receivers.isEmpty && machine.senders.isEmpty),
        "a closed channel has no waiters", sourceLocation: sourceLocation)
    }
  }
}

private struct UnexpectedOutcome: Error {}

/// Acts as a select that fires at once: installs a core's continuation, runs `body` (which must
/// fire the core), and returns what `body` returns.
private func withSelect<Value>(_ body: (SelectCore) -> Value) async throws -> Value {
  let core = SelectCore()
  var value: Value?
  _ = try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Int, any Error>) in
    #expect(core.install(continuation))
    value = body(core)
    if case .won(let unfired) = core.claim() {
      Issue.record("nothing fired the select")
      unfired?.resume(throwing: UnexpectedOutcome())
    }
  }
  return value!
}

/// Acts as a select that waits: returns the index of the case that fired.
private func waitingSelect(_ body: (SelectCore) -> Void) async throws -> Int {
  let core = SelectCore()
  return try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Int, any Error>) in
    #expect(core.install(continuation))
    body(core)
  }
}

private func isFull<Element>(_ attempt: ChannelStateMachine<Element>.SendAttempt?) -> Bool {
  if case .full = attempt { true } else { false }
}

private func isClosed<Element>(_ attempt: ChannelStateMachine<Element>.SendAttempt) -> Bool {
  if case .closed = attempt { true } else { false }
}

private func isSentToBuffer<Element>(_ attempt: ChannelStateMachine<Element>.SendAttempt?) -> Bool {
  if case .sent(.none) = attempt { true } else { false }
}

private func isEmpty<Element>(_ attempt: ChannelStateMachine<Element>.ReceiveAttempt?) -> Bool {
  if case .empty = attempt { true } else { false }
}

private func isClosed<Element>(_ attempt: ChannelStateMachine<Element>.ReceiveAttempt) -> Bool {
  if case .closed = attempt { true } else { false }
}

private func elementOf<Element>(_ attempt: ChannelStateMachine<Element>.ReceiveAttempt) -> Element? {
  if case .element(let element, _) = attempt { element } else { nil }
}

private func isWaiting<Element>(_ registration: ChannelStateMachine<Element>.Registration) -> Bool {
  if case .waiting = registration { true } else { false }
}

private func describe<Element>(_ attempt: ChannelStateMachine<Element>.SendAttempt) -> String {
  switch attempt {
  case .sent(.none): "sent into the buffer"
  case .sent: "sent to a waiter"
  case .full: "full"
  case .closed: "closed"
  }
}
