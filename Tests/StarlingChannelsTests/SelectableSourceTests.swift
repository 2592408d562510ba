import Synchronization
import Testing

@testable import StarlingChannels

/// `select` over sources that are not channels, through `SelectableSource`: the article's
/// `Mailbox` (a type outside the library) and `BroadcastSubscription`. The same guarantees as
/// for channels: exactly one case fires, the others give nothing away, nothing is lost or
/// received twice.
@Suite struct SelectableSourceTests {
  // MARK: A source of one's own

  @Test func whenAMailboxAndAChannelAreBothReadyExactlyOneGivesItsValue() async throws {
    var fired: Set<String> = []
    for round in 0..<200 {
      let mailbox = Mailbox()
      let channel = Channel<String>(capacity: 1)
      mailbox.post("letter \(round)")
      try await channel.send("element \(round)")
      let outcome = try await select {
        onReceive(mailbox) { letter in letter }
        onReceive(channel) { element in element ?? "closed" }
      }
      if outcome.hasPrefix("letter") {
        fired.insert("mailbox")
        #expect(mailbox.letterCount == 0)
        #expect(channel.count == 1, "the channel's element stays")
      } else {
        fired.insert("channel")
        #expect(channel.count == 0)
        #expect(mailbox.letterCount == 1, "the mailbox's letter stays")
      }
    }
    #expect(fired == ["mailbox", "channel"], "either may fire when both are ready")
  }

  @Test func aSelectThatFiredOnAChannelLeavesTheMailboxAlone() async throws {
    let mailbox = Mailbox()
    let channel = Channel<String>()
    let selecting = Task {
      try await select {
        onReceive(mailbox) { letter in "letter: \(letter)" }
        onReceive(channel) { element in "element: \(element ?? "closed")" }
      }
    }
    try await eventually { mailbox.waiterCount == 1 && waitingReceivers(channel) == 1 }
    try await channel.send("x")
    #expect(try await selecting.value == "element: x")
    #expect(mailbox.waiterCount == 0, "the select deregistered from the mailbox")
    mailbox.post("kept")
    #expect(mailbox.letterCount == 1, "a letter posted after the select is not lost")
    #expect(mailbox.selectTryTake() == "kept")
  }

  @Test func aLetterPostedToAFiredSelectsStaleWaiterIsKept() async throws {
    let mailbox = Mailbox()
    let core = SelectCore()
    let stale = SelectWaiter<String>(core: core, index: 0)
    mailbox.selectRegister(stale)
    _ = core.claim()  // the select fired elsewhere, and has not deregistered yet
    mailbox.post("kept")
    #expect(mailbox.letterCount == 1, "a failed claim keeps the letter")
    #expect(mailbox.waiterCount == 0, "the stale waiter is dropped")
    #expect(stale.output == nil)
  }

  @Test func aCancelledSelectTakesNoLetter() async throws {
    let mailbox = Mailbox()
    let selecting = Task {
      try await select {
        onReceive(mailbox) { letter in letter }
      }
    }
    try await eventually { mailbox.waiterCount == 1 }
    selecting.cancel()
    await #expect(throws: CancellationError.self) { try await selecting.value }
    #expect(mailbox.waiterCount == 0)
    mailbox.post("kept")
    #expect(mailbox.selectTryTake() == "kept")
  }

  @Test func everyLetterAndElementIsReceivedExactlyOnce() async throws {
    let perSource = 2_000
    let mailbox = Mailbox()
    let channel = Channel<String>(capacity: 4)
    async let posting: Void = {
      for index in 0..<perSource {
        mailbox.post("m\(index)")
        if index % 64 == 0 { await Task.yield() }
      }
    }()
    async let sending: Void = {
      for index in 0..<perSource { try? await channel.send("c\(index)") }
    }()
    var received: [String] = []
    for _ in 0..<(2 * perSource) {
      let value = try await select {
        onReceive(mailbox) { letter in letter }
        onReceive(channel) { element in element ?? "closed" }
      }
      received.append(value)
    }
    _ = await (posting, sending)
    #expect(received.count == Set(received).count, "nothing received twice")
    #expect(Set(received) == Set((0..<perSource).flatMap { ["m\($0)", "c\($0)"] }), "nothing lost")
    #expect(mailbox.waiterCount == 0 && mailbox.letterCount == 0)
  }

  // MARK: Broadcast subscriptions

  @Test func aSubscriptionIsACaseLikeAChannel() async throws {
    let news = Broadcast<String>()
    let reader = news.subscribe(bufferSize: 4, overflow: .wait)
    let quit = Channel<Void>()
    let selecting = Task {
      try await select {
        onReceive(reader) { item in "news: \(item ?? "ended")" }
        onReceive(quit) { _ in "quit" }
      }
    }
    try await eventually { reader.subscriber.channel.waitingReceiverCount == 1 }
    try await news.send("extra!")
    #expect(try await selecting.value == "news: extra!")
    #expect(waitingReceivers(quit) == 0)

    try await news.send("buffered")
    let ready = try await select {
      onReceive(reader) { item in item ?? "ended" }
      onDefault { "nothing" }
    }
    #expect(ready == "buffered", "a buffered element fires the case without waiting")

    news.close()
    let ended = try await select {
      onReceive(reader) { item in item ?? "ended" }
    }
    #expect(ended == "ended", "a closed broadcast's drained subscription hands over nil")
  }

  @Test func aSubscriptionThatLosesTheSelectKeepsItsElement() async throws {
    var fired: Set<Int> = []
    for _ in 0..<100 {
      let news = Broadcast<Int>()
      let reader = news.subscribe(bufferSize: 1, overflow: .wait)
      let other = Channel<Int>(capacity: 1)
      try await news.send(2)
      try await other.send(1)
      let value = try await select {
        onReceive(other) { value in value ?? -1 }
        onReceive(reader) { value in value ?? -1 }
      }
      fired.insert(value)
      if value == 1 {
        #expect(try await reader.receive() == 2, "the subscription kept its element")
      } else {
        #expect(value == 2)
        #expect(try other.tryReceive() == 1, "the channel kept its element")
      }
    }
    #expect(fired == [1, 2])
  }

  @Test func manySelectsOverSubscriptionsReceiveEveryElementOnce() async throws {
    let news = Broadcast<Int>()
    let readers = (0..<2).map { _ in news.subscribe(bufferSize: 8, overflow: .wait) }
    let count = 500
    async let sending: Void = {
      for value in 0..<count { try? await news.send(value) }
      news.close()
    }()
    var seen = [[Int]](repeating: [], count: readers.count)
    var ended: Set<Int> = []
    while ended.count < readers.count {
      let (reader, value) = try await select {
        onReceive(readers[0]) { value in (0, value) }
        onReceive(readers[1]) { value in (1, value) }
      }
      if let value { seen[reader].append(value) } else { ended.insert(reader) }
    }
    await sending
    for received in seen {
      #expect(received == Array(0..<count), "each subscriber gets every element once, in order")
    }
  }
}
