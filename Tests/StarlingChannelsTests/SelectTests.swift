import Synchronization
import Testing

@testable import StarlingChannels

/// `select`: exactly one case fires, ready cases are picked at random, losing cases take and
/// give nothing, and the default, timeout and closed-channel cases behave as documented.
@Suite struct SelectTests {
  // MARK: Exactly one case

  @Test func exactlyOneOfSeveralReadyReceiveCasesFires() async throws {
    let channels = (0..<3).map { _ in Channel<Int>(capacity: 1) }
    for (index, channel) in channels.enumerated() { try await channel.send(index) }
    let handlerRuns = Counter()
    let fired = try await select {
      for (index, channel) in channels.enumerated() {
        onReceive(channel) { value in
          handlerRuns.increment()
          #expect(value == index)
          return index
        }
      }
    }
    #expect(handlerRuns.value == 1, "only the fired case's handler runs")
    for (index, channel) in channels.enumerated() {
      #expect(channel.count == (index == fired ? 0 : 1), "channel \(index)")
    }
  }

  @Test func exactlyOneOfSeveralReadySendCasesFires() async throws {
    let channels = (0..<3).map { _ in Channel<Int>(capacity: 1) }
    let fired = try await select {
      for (index, channel) in channels.enumerated() {
        onSend(index, to: channel) { index }
      }
    }
    for (index, channel) in channels.enumerated() {
      #expect(try channel.tryReceive() == (index == fired ? index : nil), "channel \(index)")
    }
  }

  @Test func losingCasesTakeAndGiveNothing() async throws {
    let inputs = (0..<3).map { _ in Channel<Int>(capacity: 2) }
    let outputs = (0..<2).map { _ in Channel<Int>(capacity: 1) }
    var random = SplitMix64(seed: 42)
    var sent = 0
    var received = 0
    var firedSends = 0
    var defaults = 0
    var next = 0
    for _ in 0..<2_000 {
      for input in inputs where random.next() % 3 == 0 {
        if try input.trySend(next) { sent += 1 }
        next += 1
      }
      for output in outputs where random.next() % 2 == 0 { _ = try output.tryReceive() }
      let before = outputs.map(\.count)
      let inputsBefore = inputs.map(\.count)
      let outcome = try await select {
        for input in inputs {
          onReceive(input) { value in value == nil ? "closed" : "received" }
        }
        for output in outputs {
          onSend(-1, to: output) { "sent" }
        }
        onDefault { "default" }
      }
      let grown = zip(before, outputs.map(\.count)).filter { $0 < $1 }.count
      let shrunk = zip(inputsBefore, inputs.map(\.count)).filter { $0 > $1 }.count
      switch outcome {
      case "received":
        received += 1
        #expect(shrunk == 1 && grown == 0, "only the fired receive case takes an element")
      case "sent":
        firedSends += 1
        #expect(grown == 1 && shrunk == 0, "only the fired send case delivers")
      case "default":
        defaults += 1
        #expect(grown == 0 && shrunk == 0)
      default:
        Issue.record("unexpected outcome \(outcome)")
      }
    }
    let buffered = inputs.map(\.count).reduce(0, +)
    #expect(received + buffered == sent, "every element sent is received or still buffered")
    #expect(received > 0 && firedSends > 0, "defaults: \(defaults)")
  }

  // MARK: Fairness

  @Test func readyReceiveCasesAreChosenAtRandom() async throws {
    let a = Channel<Int>(capacity: 1)
    let b = Channel<Int>(capacity: 1)
    try await a.send(0)
    try await b.send(1)
    var wins = [0, 0]
    for _ in 0..<2_000 {
      let winner = try await select {
        onReceive(a) { _ in 0 }
        onReceive(b) { _ in 1 }
      }
      wins[winner] += 1
      #expect(a.count + b.count == 1, "exactly one element was taken")
      #expect(try [a, b][winner].trySend(winner))
    }
    #expect(wins[0] > 500 && wins[1] > 500, "wins: \(wins)")
  }

  @Test func readySendCasesAreChosenAtRandom() async throws {
    let a = Channel<Int>(capacity: 1)
    let b = Channel<Int>(capacity: 1)
    var wins = [0, 0]
    for _ in 0..<2_000 {
      let winner = try await select {
        onSend(0, to: a) { 0 }
        onSend(1, to: b) { 1 }
      }
      wins[winner] += 1
      #expect(a.count + b.count == 1, "exactly one element was sent")
      #expect(try [a, b][winner].tryReceive() == winner)
    }
    #expect(wins[0] > 500 && wins[1] > 500, "wins: \(wins)")
  }

  @Test func everyOneOfManyReadyCasesGetsAFairShare() async throws {
    let channels = (0..<8).map { _ in Channel<Int>(capacity: 1) }
    for (index, channel) in channels.enumerated() { try await channel.send(index) }
    var wins = [Int](repeating: 0, count: channels.count)
    for _ in 0..<4_000 {
      let winner = try await select {
        for (index, channel) in channels.enumerated() {
          onReceive(channel) { _ in index }
        }
      }
      wins[winner] += 1
      #expect(try channels[winner].trySend(winner))
    }
    // 500 expected per case; 250 is more than 11 standard deviations below.
    #expect(wins.allSatisfy { $0 > 250 }, "wins: \(wins)")
  }

  // MARK: Default and timeout

  @Test func defaultFiresWhenNothingIsReadyAndRegistersNothing() async throws {
    let rendezvous = Channel<Int>()
    let full = Channel<Int>(capacity: 1)
    try await full.send(0)
    let empty = Channel<Int>(capacity: 1)
    for _ in 0..<100 {
      let outcome = try await select {
        onReceive(rendezvous) { _ in "receive rendezvous" }
        onReceive(empty) { _ in "receive empty" }
        onSend(1, to: rendezvous) { "send rendezvous" }
        onSend(1, to: full) { "send full" }
        onDefault { "default" }
      }
      #expect(outcome == "default")
    }
    for channel in [rendezvous, full, empty] {
      #expect(waitingReceivers(channel) == 0 && waitingSenders(channel) == 0, "default never waits")
    }
    #expect(full.count == 1 && empty.count == 0)
  }

  @Test func defaultDoesNotFireWhenACaseIsReady() async throws {
    let a = Channel<Int>(capacity: 1)
    for value in 0..<200 {
      try await a.send(value)
      let outcome = try await select {
        onReceive(a) { $0 ?? -1 }
        onDefault { -2 }
      }
      #expect(outcome == value)
    }
  }

  @Test func defaultDoesNotFireWhenAWaitingSenderIsThere() async throws {
    let a = Channel<Int>()
    let sender = Task { try await a.send(5) }
    try await eventually { waitingSenders(a) == 1 }
    let outcome = try await select {
      onReceive(a) { $0 ?? -1 }
      onDefault { -2 }
    }
    #expect(outcome == 5)
    try await sender.value
  }

  @Test func timeoutFiresWhenNothingArrivesAndTakesNothingLater() async throws {
    let a = Channel<Int>(capacity: 1)
    let b = Channel<Int>()
    let outcome = try await select {
      onReceive(a) { _ in "a" }
      onSend(1, to: b) { "b" }
      onTimeout(.milliseconds(5)) { "timeout" }
    }
    #expect(outcome == "timeout")
    #expect(waitingReceivers(a) == 0 && waitingSenders(b) == 0, "a timed-out select deregisters")
    #expect(try a.trySend(7))
    #expect(try a.tryReceive() == 7, "a timed-out select must not take later elements")
    #expect(try b.tryReceive() == nil, "a timed-out send case must not deliver")
  }

  @Test func timeoutOnlySelectFires() async throws {
    let outcome = try await select { onTimeout(.milliseconds(1)) { 42 } }
    #expect(outcome == 42)
  }

  @Test func aCaseThatFiresFirstBeatsALongTimeout() async throws {
    let a = Channel<Int>()
    let selecting = Task {
      try await select {
        onReceive(a) { $0 ?? -1 }
        onTimeout(.seconds(3600)) { -2 }
      }
    }
    try await eventually { waitingReceivers(a) == 1 }
    try await a.send(9)
    #expect(try await selecting.value == 9)
  }

  @Test func aTimeoutOnAManualClockFiresWhenTheClockReachesIt() async throws {
    let clock = ManualClock()
    let jobs = Channel<Int>()
    let selecting = Task {
      try await select {
        onReceive(jobs) { _ in "job" }
        onTimeout(.seconds(30), clock: clock) { "timed out" }
      }
    }
    await clock.waitForSleepers()
    #expect(clock.nextDeadline == ManualClock.Instant(offset: .seconds(30)))
    #expect(clock.advance(by: .seconds(29)) == 0, "not due yet")
    #expect(waitingReceivers(jobs) == 1, "still selecting")
    #expect(clock.advance(by: .seconds(1)) == 1)
    #expect(try await selecting.value == "timed out")
    #expect(waitingReceivers(jobs) == 0, "a timed-out select deregisters")
  }

  @Test func aCaseThatFiresFirstCancelsTheManualClockTimer() async throws {
    let clock = ManualClock()
    let jobs = Channel<Int>()
    let selecting = Task {
      try await select {
        onReceive(jobs) { $0 ?? -1 }
        onTimeout(.seconds(30), clock: clock) { -2 }
      }
    }
    await clock.waitForSleepers()
    try await eventually { waitingReceivers(jobs) == 1 }
    try await jobs.send(9)
    #expect(try await selecting.value == 9)
    #expect(clock.sleeperCount == 0, "the timer stopped sleeping when the select returned")
    #expect(clock.advance(by: .seconds(30)) == 0)
  }

  // MARK: Closed channels

  @Test func receiveCaseOnAClosedChannelFiresWithNil() async throws {
    let a = Channel<Int>()
    let b = Channel<Int>()
    a.close()
    let polled = try await select {
      onReceive(a) { value in value == nil ? "a closed" : "a \(value!)" }
      onReceive(b) { _ in "b" }
    }
    #expect(polled == "a closed")

    // The same when the channel is closed while the select waits.
    let c = Channel<Int>()
    let waiting = Task {
      try await select {
        onReceive(c) { value in value == nil ? "c closed" : "c \(value!)" }
        onReceive(b) { _ in "b" }
      }
    }
    try await eventually { waitingReceivers(c) == 1 && waitingReceivers(b) == 1 }
    c.close()
    #expect(try await waiting.value == "c closed")
    #expect(waitingReceivers(b) == 0)
  }

  @Test func receiveCaseDrainsAClosedChannelBeforeSeeingNil() async throws {
    let a = Channel<Int>(capacity: 3)
    for value in 1...3 { try await a.send(value) }
    a.close()
    var seen: [Int?] = []
    for _ in 0..<5 {
      seen.append(try await select { onReceive(a) { $0 } })
    }
    #expect(seen == [1, 2, 3, nil, nil])
  }

  @Test func receiveCaseOfAnOptionalElementKeepsNilApartFromClosed() async throws {
    let a = Channel<Int?>(capacity: 2)
    try await a.send(nil)
    try await a.send(4)
    a.close()
    var seen: [String] = []
    for _ in 0..<3 {
      let description = try await select {
        onReceive(a) { (value: Int??) -> String in
          switch value {
          case .none: "closed"
          case .some(.none): "nil element"
          case .some(.some(let number)): "\(number)"
          }
        }
      }
      seen.append(description)
    }
    #expect(seen == ["nil element", "4", "closed"])
  }

  @Test func sendCaseOnAClosedChannelThrowsClosed() async throws {
    let a = Channel<Int>(capacity: 1)
    a.close()
    await #expect(throws: ChannelError.closed) {
      try await select { onSend(1, to: a) }
    }
    await #expect(throws: ChannelError.closed) {
      try await select {
        onSend(1, to: a)
        onDefault {}
      }
    }

    // The same when the channel is closed while the send case waits.
    let b = Channel<Int>()
    let other = Channel<Int>()
    let waiting = Task {
      try await select {
        onSend(2, to: b) { "sent" }
        onReceive(other) { _ in "received" }
      }
    }
    try await eventually { waitingSenders(b) == 1 && waitingReceivers(other) == 1 }
    b.close()
    await #expect(throws: ChannelError.closed) { try await waiting.value }
    #expect(waitingReceivers(other) == 0, "the other case deregistered")
  }

  // MARK: One select with both directions on one channel

  @Test func aSelectNeverPairsWithItself() async throws {
    let c = Channel<Int>()
    for _ in 0..<20 {
      let outcome = try await select {
        onSend(1, to: c) { "sent" }
        onReceive(c) { value in "received \(value ?? -1)" }
        onTimeout(.milliseconds(1)) { "timeout" }
      }
      #expect(outcome == "timeout", "nobody else uses the channel")
    }
    #expect(waitingReceivers(c) == 0 && waitingSenders(c) == 0)
    #expect(try c.tryReceive() == nil)
  }

  @Test func aSelectWithBothDirectionsPairsWithOthers() async throws {
    let c = Channel<Int>()
    let selecting = Task {
      try await select {
        onSend(1, to: c) { "sent" }
        onReceive(c) { value in "received \(value ?? -1)" }
      }
    }
    try await eventually { waitingSenders(c) == 1 && waitingReceivers(c) == 1 }
    #expect(try await c.receive() == 1)
    #expect(try await selecting.value == "sent")

    let again = Task {
      try await select {
        onSend(1, to: c) { "sent" }
        onReceive(c) { value in "received \(value ?? -1)" }
      }
    }
    try await eventually { waitingSenders(c) == 1 && waitingReceivers(c) == 1 }
    try await c.send(2)
    #expect(try await again.value == "received 2")
    #expect(waitingReceivers(c) == 0 && waitingSenders(c) == 0)
  }

  @Test func twoSelectsWithBothDirectionsOnOneChannelAlwaysPairWithEachOther() async throws {
    let c = Channel<Int>()
    let rounds = 500
    func run(_ me: Int) async throws -> [Int] {
      var received: [Int] = []
      for _ in 0..<rounds {
        let got = try await select {
          onSend(me, to: c) { nil as Int? }
          onReceive(c) { $0 }
        }
        if let got { received.append(got) }
      }
      return received
    }
    async let first = run(1)
    async let second = run(2)
    let (fromSecond, fromFirst) = try await (first, second)
    #expect(fromSecond.allSatisfy { $0 == 2 }, "a select received its own element")
    #expect(fromFirst.allSatisfy { $0 == 1 }, "a select received its own element")
    #expect(fromSecond.count + fromFirst.count == rounds, "one element per pair of selects")
    #expect(waitingReceivers(c) == 0 && waitingSenders(c) == 0)
  }

  // MARK: Selects racing each other

  @Test(arguments: [0, 1])
  func sendingAndReceivingSelectsExchangeExactlyOneElement(capacity: Int) async throws {
    let a = Channel<Int>(capacity: capacity)
    let b = Channel<Int>(capacity: capacity)
    for value in 0..<2_000 {
      async let sentOn = select {
        onSend(value, to: a) { "a" }
        onSend(value, to: b) { "b" }
      }
      async let receivedOn = select {
        onReceive(a) { ("a", $0) }
        onReceive(b) { ("b", $0) }
      }
      let (sender, (receiver, element)) = try await (sentOn, receivedOn)
      #expect(sender == receiver && element == value, "iteration \(value)")
      #expect(a.count == 0 && b.count == 0, "iteration \(value)")
    }
    for channel in [a, b] {
      #expect(waitingReceivers(channel) == 0 && waitingSenders(channel) == 0)
    }
  }

  @Test func crossedSelectsPairOnExactlyOneChannel() async throws {
    let a = Channel<Int>()
    let b = Channel<Int>()
    for value in 0..<2_000 {
      // Each select sends on one channel and receives on the other.
      async let left = select {
        onSend(value, to: a) { "sent a" }
        onReceive(b) { "received \($0 ?? -1) on b" }
      }
      async let right = select {
        onSend(-value, to: b) { "sent b" }
        onReceive(a) { "received \($0 ?? -1) on a" }
      }
      let outcome = try await [left, right]
      let viaA = ["sent a", "received \(value) on a"]
      let viaB = ["received \(-value) on b", "sent b"]
      #expect(outcome == viaA || outcome == viaB, "iteration \(value): \(outcome)")
    }
    for channel in [a, b] {
      #expect(waitingReceivers(channel) == 0 && waitingSenders(channel) == 0)
      #expect(try channel.tryReceive() == nil)
    }
  }

  @Test func manySelectingProducersAndConsumersDeliverEachElementOnce() async throws {
    let a = Channel<Int>()
    let b = Channel<Int>(capacity: 2)
    let producers = 4
    let perProducer = 1_000
    let received = try await withThrowingTaskGroup(of: [Int].self) { group in
      for _ in 0..<4 {
        group.addTask {
          var got: [Int] = []
          var openA = true
          var openB = true
          while openA || openB {
            let (channel, value): (String, Int?) = try await select {
              if openA { onReceive(a) { ("a", $0) } }
              if openB { onReceive(b) { ("b", $0) } }
            }
            if let value {
              got.append(value)
            } else if channel == "a" {
              openA = false
            } else {
              openB = false
            }
          }
          return got
        }
      }
      try await withThrowingTaskGroup(of: Void.self) { sending in
        for producer in 0..<producers {
          sending.addTask {
            for index in 0..<perProducer {
              try await select {
                onSend(producer * perProducer + index, to: a)
                onSend(producer * perProducer + index, to: b)
              }
            }
          }
        }
        try await sending.waitForAll()
      }
      a.close()
      b.close()
      var all: [Int] = []
      for try await got in group { all += got }
      return all
    }
    #expect(received.count == producers * perProducer)
    #expect(received.sorted() == Array(0..<producers * perProducer))
  }

  @Test(arguments: [0, 1])
  func closeRacingADeliveryFiresExactlyOneCase(capacity: Int) async throws {
    for value in 0..<300 {
      let a = Channel<Int>(capacity: capacity)
      let b = Channel<Int>(capacity: capacity)
      let selecting = Task {
        try await select {
          onReceive(a) { $0 == nil ? "a closed" : "a element" }
          onReceive(b) { $0 == value ? "b element" : "b wrong" }
        }
      }
      try await eventually { waitingReceivers(a) == 1 && waitingReceivers(b) == 1 }
      let sent = Lock.make(false)
      await race(jitter: value) {
        a.close()
      } and: {
        let accepted = (try? b.trySend(value)) ?? false
        sent.withLock { $0 = accepted }
      }
      let outcome = try await selecting.value
      let left = try b.tryReceive()
      switch outcome {
      case "a closed":
        #expect(left == (sent.withLock { $0 } ? value : nil), "iteration \(value): b's element must stay")
      case "b element":
        #expect(left == nil, "iteration \(value): b's element was taken twice")
      default:
        Issue.record("iteration \(value): \(outcome)")
      }
      #expect(waitingReceivers(a) == 0 && waitingReceivers(b) == 0)
    }
  }

  @Test(arguments: [0, 1])
  func sendCaseTimeoutRacingAReceiveDeliversExactlyOnce(capacity: Int) async throws {
    let a = Channel<Int>(capacity: capacity)
    for value in 0..<300 {
      if capacity > 0 { try await a.send(-1) }  // full: the send case must wait
      let selecting = Task {
        try await select {
          onSend(value, to: a) { true }
          onTimeout(.microseconds(value % 40)) { false }
        }
      }
      for _ in 0..<(value % 4) { await Task.yield() }
      let taken = try a.tryReceive()
      let sent = try await selecting.value
      if capacity > 0 {
        #expect(taken == -1)
        #expect(try a.tryReceive() == (sent ? value : nil), "iteration \(value)")
      } else {
        #expect(taken == (sent ? value : nil), "iteration \(value)")
      }
      #expect(try a.tryReceive() == nil)
      #expect(waitingSenders(a) == 0)
    }
  }

  // MARK: Waiter bookkeeping

  @Test func selectsThatTimeOutLeaveNoWaiters() async throws {
    let never = Channel<Int>()
    let neverTaken = Channel<Int>()
    for _ in 0..<100 {
      _ = try await select {
        onReceive(never) { _ in false }
        onSend(1, to: neverTaken) { false }
        onTimeout(.microseconds(100)) { true }
      }
    }
    #expect(waitingReceivers(never) == 0)
    #expect(waitingSenders(neverTaken) == 0)
  }

  @Test func selectsThatFireElsewhereLeaveNoWaiters() async throws {
    let never = Channel<Int>()
    let neverTaken = Channel<Int>(capacity: 1)
    try await neverTaken.send(0)
    let other = Channel<Int>()
    for value in 0..<200 {
      let selecting = Task {
        try await select {
          onReceive(never) { _ in -1 }
          onSend(1, to: neverTaken) { -2 }
          onReceive(other) { $0 ?? -3 }
        }
      }
      // Cases register in random order: wait for all three.
      try await eventually {
        waitingReceivers(other) == 1 && waitingReceivers(never) == 1 && waitingSenders(neverTaken) == 1
      }
      #expect(try other.trySend(value))
      #expect(try await selecting.value == value)
      #expect(waitingReceivers(never) == 0, "iteration \(value): leaked a receive waiter")
      #expect(waitingSenders(neverTaken) == 0, "iteration \(value): leaked a send waiter")
    }
    #expect(try neverTaken.tryReceive() == 0)
    #expect(try neverTaken.tryReceive() == nil)
  }

  @Test func selectsThatAreCancelledLeaveNoWaiters() async throws {
    let never = Channel<Int>()
    for _ in 0..<100 {
      let selecting = Task { try await select { onReceive(never) { $0 } } }
      try await eventually { waitingReceivers(never) == 1 }
      selecting.cancel()
      _ = await selecting.result
    }
    #expect(waitingReceivers(never) == 0)
  }

  @Test func selectsPolledReadyInALoopNeverRegister() async throws {
    let ready = Channel<Int>(capacity: 1)
    let never = Channel<Int>()
    for value in 0..<500 {
      try await ready.send(value)
      let got = try await select {
        onReceive(never) { _ in -1 }
        onReceive(ready) { $0 ?? -2 }
      }
      #expect(got == value)
    }
    #expect(waitingReceivers(never) == 0)
  }

  // MARK: Queue order and duplicates

  @Test func waitingSelectsAndTasksAreServedInArrivalOrder() async throws {
    let c = Channel<Int>()
    let other = Channel<Int>()
    let firstSelect = Task {
      try await select {
        onReceive(c) { $0 ?? -1 }
        onReceive(other) { _ in -2 }
      }
    }
    try await eventually { waitingReceivers(c) == 1 }
    let task = Task { try await c.receive() }
    try await eventually { waitingReceivers(c) == 2 }
    let secondSelect = Task { try await select { onReceive(c) { $0 ?? -1 } } }
    try await eventually { waitingReceivers(c) == 3 }
    for value in 1...3 { try await c.send(value) }
    #expect(try await firstSelect.value == 1)
    #expect(try await task.value == 2)
    #expect(try await secondSelect.value == 3)
  }

  @Test func theSameChannelTwiceInOneSelectTakesOneElement() async throws {
    let a = Channel<Int>(capacity: 2)
    try await a.send(1)
    try await a.send(2)
    let fired = try await select {
      onReceive(a) { _ in "first" }
      onReceive(a) { _ in "second" }
    }
    #expect(fired == "first" || fired == "second")
    #expect(a.count == 1)

    let b = Channel<Int>()
    let waiting = Task {
      try await select {
        onReceive(b) { $0 ?? -1 }
        onReceive(b) { $0 ?? -1 }
      }
    }
    try await eventually { waitingReceivers(b) == 2 }
    #expect(try b.trySend(3))
    #expect(try await waiting.value == 3)
    #expect(waitingReceivers(b) == 0)
    #expect(try b.trySend(4) == false, "the second case must not still wait")
  }

  // MARK: Reusing a case value

  // `onReceive`/`onSend` return a `SelectCase` value that a caller may store and pass to more
  // than one select (or twice to one select). Each use must behave like a fresh case.
  //
  // Bug (in 5dff1d6): the case wraps one `ReceiveClause`/`SendClause` object whose per-call
  // state (`received`, `slot`, `waitingID`) is never reset, so a reused receive case returns
  // the element of an earlier select (the new element is taken and lost), listing a receive
  // case twice in one select traps in `finish()`, and listing a send case twice leaves a waiter.

  @Test func aReceiveCaseReusedAcrossSelectsDeliversEachElementOnce() async throws {
    let a = Channel<Int>(capacity: 1)
    let receiveA = onReceive(a) { $0 ?? -1 }
    try await a.send(1)
    #expect(try await select { receiveA } == 1)  // fires while polling
    let sender = Task {
      try await eventually { waitingReceivers(a) == 1 }
      try await a.send(2)
    }
    let second = try await select { receiveA }  // fires after registering
    try await sender.value
    #expect(a.count == 0, "the second element was taken")
    #expect(second == 2, "a reused receive case returned an earlier select's element")
  }

  @Test func theSameReceiveCaseTwiceInOneSelectReceivesOnce() async {
    await #expect(processExitsWith: .success) {
      let a = Channel<Int>()
      let receiveA = onReceive(a) { $0 ?? -1 }
      let sender = Task {
        while a.state.withLock({ $0.receivers.count }) == 0 { await Task.yield() }
        // The case may register once or twice; give a second registration a moment.
        for _ in 0..<1_000 where a.state.withLock({ $0.receivers.count }) < 2 { await Task.yield() }
        let accepted = try a.trySend(7)
        precondition(accepted, "the select waits on a")
      }
      let received = try await select {
        receiveA
        receiveA
      }
      try await sender.value
      precondition(received == 7)
      precondition(a.state.withLock { $0.receivers.count } == 0, "a registration leaked")
    }
  }

  @Test func theSameSendCaseTwiceInOneSelectLeavesNoWaiter() async throws {
    let never = Channel<Int>()
    let sendCase = onSend(1, to: never)
    try await select {
      sendCase
      sendCase
      onTimeout(.milliseconds(1)) {}
    }
    #expect(waitingSenders(never) == 0, "only the case's last registration was deregistered")
    #expect(try never.tryReceive() == nil)
  }

  @Test func aCaseReusedInsideAnotherCasesHandlerLeavesNoWaiter() async throws {
    let a = Channel<Int>()  // never ready
    let b = Channel<Int>(capacity: 1)
    let outer = Task {
      let receiveA = onReceive(a) { _ in "a" }
      return try await select {
        receiveA
        onReceive(b) { _ in
          // The handler selects again with the same case value while the outer select's
          // registration of that case may still be in `a`'s queue.
          try await select {
            receiveA
            onDefault { "inner default" }
          }
        }
      }
    }
    try await eventually { waitingReceivers(a) == 1 && waitingReceivers(b) == 1 }
    #expect(try b.trySend(1))
    #expect(try await outer.value == "inner default")
    #expect(waitingReceivers(a) == 0, "the outer select's registration in a leaked")
    #expect(waitingReceivers(b) == 0)
  }

  // MARK: Misuse

  @Test func aSelectWithoutCasesIsAProgrammingError() async {
    await #expect(processExitsWith: .failure) {
      let none: [Int] = []
      _ = try await select {
        for value in none { onSend(value, to: Channel<Int>(capacity: 1)) { value } }
      }
    }
  }

  @Test func aSelectWithTwoTimeoutsIsAProgrammingError() async {
    await #expect(processExitsWith: .failure) {
      _ = try await select {
        onTimeout(.seconds(1)) { 1 }
        onTimeout(.seconds(2)) { 2 }
      }
    }
  }

  @Test func aThrowingHandlerStillConsumesItsElement() async throws {
    struct HandlerFailed: Error {}
    let a = Channel<Int>(capacity: 1)
    try await a.send(1)
    await #expect(throws: HandlerFailed.self) {
      try await select { onReceive(a) { _ in throw HandlerFailed() } }
    }
    #expect(a.count == 0)
  }

  @Test func casesBuiltWithIfAndElseAreUsed() async throws {
    let a = Channel<Int>(capacity: 1)
    let b = Channel<Int>(capacity: 1)
    try await b.send(2)
    for useA in [true, false] {
      let outcome = try await select {
        if useA {
          onReceive(a) { _ in "a" }
        } else {
          onReceive(b) { _ in "b" }
        }
        onDefault { "default" }
      }
      #expect(outcome == (useA ? "default" : "b"))
    }
  }
}
