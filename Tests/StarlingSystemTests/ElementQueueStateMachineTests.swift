import Testing

@testable import StarlingChannels
@testable import StarlingSystem

/// The queue of accepted connections and received datagrams on its own: order, the bound that
/// holds the channel back, the end, and select waiters whose select fired elsewhere (a won
/// claim needs a real waiting select: see the UDPSocket and StreamListener select tests).
@Suite(.timeLimit(.minutes(5))) struct ElementQueueStateMachineTests {
  private typealias Machine = ElementQueueStateMachine<Int>

  /// A select waiter whose select has already fired through another case.
  private func staleWaiter() -> SelectWaiter<Int?> {
    let core = SelectCore()
    _ = core.claim()
    return SelectWaiter(core: core, index: 0)
  }

  private func served(_ step: ReadStep<Int?>) throws -> Int? {
    guard case .done(let result, _) = step else { return nil }
    return try result.get()
  }

  @Test func elementsComeOutInOrderAndAFullQueueHoldsTheChannelBack() throws {
    var machine = Machine(capacity: 2)
    let mayRead = machine.readRequested()
    #expect(mayRead)
    guard case .queued = machine.push(1), case .queued = machine.push(2) else {
      Issue.record("not queued"); return
    }
    let mayReadWhenFull = machine.readRequested()
    #expect(!mayReadWhenFull, "full: the channel waits")
    guard case .done(.success(1), resumeReading: true) = machine.next(mayWait: true) else {
      Issue.record("the first element, and the channel may read again"); return
    }
    let mayReadAgain = machine.readRequested()
    #expect(mayReadAgain)
    let second = machine.selectTryTake().output
    #expect(second == .some(2))
    let none = machine.selectTryTake().output
    #expect(none == nil, "empty, not ended")
  }

  @Test func aWaitingTaskGetsTheNextElement() throws {
    var machine = Machine(capacity: 4)
    guard case .wait = machine.next(mayWait: true) else { Issue.record("nothing to serve"); return }
    guard case .reader(7) = machine.push(7) else { Issue.record("not handed to the task"); return }
    guard case .wait = machine.next(mayWait: false) else { Issue.record("it was taken"); return }
  }

  @Test func anElementForAStaleSelectWaiterIsQueuedAndTheWaiterDropped() throws {
    var machine = Machine(capacity: 4)
    let stale = staleWaiter()
    let registered = machine.selectRegister(stale).fire
    #expect(registered == nil, "nothing queued: kept")
    guard case .queued = machine.push(5) else { Issue.record("a failed claim must keep it"); return }
    #expect(stale.output == nil)
    let next = machine.next(mayWait: false)
    #expect(try served(next) == 5, "the element was not lost")
    machine.selectDeregister(stale)  // already dropped: nothing happens
  }

  @Test func aStaleWaiterRegisteringWhileAnElementIsQueuedTakesNothing() throws {
    var machine = Machine(capacity: 4)
    _ = machine.push(3)
    let fire = machine.selectRegister(staleWaiter()).fire
    #expect(fire == nil)
    let taken = machine.selectTryTake().output
    #expect(taken == .some(3), "the element stays")
  }

  @Test func aDeregisteredWaiterIsNotOffered() throws {
    var machine = Machine(capacity: 4)
    let waiter = staleWaiter()
    _ = machine.selectRegister(waiter)
    machine.selectDeregister(waiter)
    guard case .queued = machine.push(1) else { Issue.record("queued"); return }
  }

  @Test func theEndReachesTheWaitingTaskAfterWhatIsQueued() throws {
    var machine = Machine(capacity: 4)
    guard case .wait = machine.next(mayWait: true) else { Issue.record("nothing to serve"); return }
    _ = machine.selectRegister(staleWaiter())
    let end = machine.finish()
    #expect(end.readerEnds)
    #expect(end.claims.isEmpty, "a stale waiter cannot be claimed")
    let next = machine.next(mayWait: true)
    #expect(try served(next) == nil)
    let taken = machine.selectTryTake().output
    #expect(taken == .some(nil), "a select sees the end")
    guard case .rejected(9) = machine.push(9) else { Issue.record("after the end"); return }
    let mayRead = machine.readRequested()
    #expect(!mayRead, "never read after the end")
    let again = machine.finish()
    #expect(!again.readerEnds, "the first end counts")
  }

  @Test func closingHandsBackWhatNobodyWillRead() throws {
    var machine = Machine(capacity: 4)
    _ = machine.push(1)
    _ = machine.push(2)
    let end = machine.close()
    #expect(end.left == [1, 2])
    #expect(!end.readerEnds)
    let next = machine.next(mayWait: true)
    #expect(try served(next) == nil)
  }
}
