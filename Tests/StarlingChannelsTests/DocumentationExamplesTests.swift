import Foundation
import StarlingChannels
import Testing

/// The examples of the README and the DocC articles, verbatim, so that they compile and run.
///
/// `scripts/check_examples.py` fails the test command if an example in the documents is not
/// found here.
@Suite struct DocumentationExamplesTests {
  @Test func doccSelectManualClock() async throws {
    let clock = ManualClock()
    let jobs = Channel<String>()
    let waiting = Task {
      try await select {
        onReceive(jobs) { job in job ?? "closed" }
        onTimeout(.seconds(30), clock: clock) { "nothing came" }
      }
    }
    await clock.waitForSleepers()  // the select's timer is running
    clock.advance(by: .seconds(30))
    #expect(try await waiting.value == "nothing came")
  }

  @Test func readmeWorkers() async throws {
    let jobs = Channel<Int>(capacity: 16)
    let results = Channel<Int>(capacity: 16)

    // Three workers square the jobs.
    let workers = Task {
      await withTaskGroup(of: Void.self) { group in
        for _ in 0..<3 {
          group.addTask {
            for await job in jobs { try? await results.send(job * job) }
          }
        }
      }
      results.close()
    }

    for job in 1...5 { try await jobs.send(job) }
    jobs.close()

    var total = 0
    for await square in results { total += square }
    await workers.value
    print(total)  // 55
    #expect(total == 55)
  }

  @Test func readmeSelect() async throws {
    let messages = Channel<String>(capacity: 8)
    let quit = Channel<Void>()
    try await messages.send("hello")

    let outcome = try await select {
      onReceive(messages) { message in "message: \(message ?? "closed")" }
      onReceive(quit) { _ in "quit" }
      onTimeout(.seconds(1)) { "nothing within a second" }
    }
    print(outcome)  // message: hello
    #expect(outcome == "message: hello")
  }

  @Test func readmeBroadcastAndState() async throws {
    let news = Broadcast<String>()
    let reader = news.subscribe(bufferSize: 4, overflow: .dropOldest)
    try await news.send("extra!")
    print(try await reader.receive() ?? "ended")  // extra!

    let config = StateCell<String>()
    config.set("v1")
    print(try await config.get())  // v1
    #expect(config.value == "v1")
    #expect(reader.dropped == 0)
  }

  @Test func doccPipeline() async throws {
    let lines = Channel<String>(capacity: 32)
    let producer = Task {
      for word in ["alpha", "beta", "gamma"] { try await lines.send(word) }
      lines.close()
    }
    var seen: [String] = []
    for await line in lines { seen.append(line) }
    try await producer.value
    print(seen)  // ["alpha", "beta", "gamma"]
    #expect(seen == ["alpha", "beta", "gamma"])
  }

  @Test func doccSelect() async throws {
    let urgent = Channel<String>(capacity: 4)
    let normal = Channel<String>(capacity: 4)
    try await normal.send("report")

    let next = try await select {
      onReceive(urgent) { item in item ?? "urgent closed" }
      onReceive(normal) { item in item ?? "normal closed" }
      onDefault { "idle" }
    }
    print(next)  // report
    #expect(next == "report")
  }

  @Test func doccCancel() async throws {
    let full = Channel<Int>(capacity: 1)
    try await full.send(1)
    let blocked = Task { try await full.send(2) }
    blocked.cancel()
    let outcome = await blocked.result
    print(outcome)  // failure(Swift.CancellationError())
    print(try full.tryReceive() ?? 0, try full.tryReceive() ?? 0)  // 1 0
    #expect(throws: CancellationError.self) { try outcome.get() }
  }

  @Test func readmeChannelEnds() async throws {
    func startTicks(count: Int) -> ReceiveChannel<Int> {
      let ticks = Channel<Int>(capacity: 4)
      Task {
        for tick in 1...count { try await ticks.send(tick) }
        ticks.close()
      }
      return ticks.receiveOnly  // callers can receive, not send or close
    }

    let news = Broadcast<String>()
    let headlines = news.subscribe(bufferSize: 4)
    let ticks = startTicks(count: 2)
    try await news.send("extra!")

    var seen: [String] = []
    while seen.count < 3 {
      let event = try await select {
        onReceive(ticks) { tick in tick.map { "tick \($0)" } }
        onReceive(headlines) { headline in headline }
      }
      if let event { seen.append(event) }
    }
    print(seen.sorted())  // ["extra!", "tick 1", "tick 2"]
    #expect(seen.sorted() == ["extra!", "tick 1", "tick 2"])
  }

  @Test func selectingOnOtherSourcesMailbox() async throws {
    let mailbox = Mailbox()
    let alarms = Channel<String>(capacity: 1)
    mailbox.post("hello")

    let first = try await select {
      onReceive(mailbox) { letter in "letter: \(letter)" }
      onReceive(alarms) { alarm in "alarm: \(alarm ?? "closed")" }
    }
    print(first)  // letter: hello
    #expect(first == "letter: hello")
    #expect(try alarms.tryReceive() == nil, "the losing channel gave nothing")

    let waiting = Task {
      try await select {
        onReceive(mailbox) { letter in letter }
      }
    }
    try await eventually { mailbox.waiterCount == 1 }
    mailbox.post("later")
    #expect(try await waiting.value == "later")
    #expect(mailbox.waiterCount == 0)
  }

}

// The example of the article "Selecting on other sources" (Docs.docc/SelectingOnOtherSources.md).
/// Letters posted to a mailbox; a `select` can wait for the next one.
final class Mailbox: SelectableSource, @unchecked Sendable {
  // @unchecked: `letters` and `waiters` are only touched while `lock` is held.
  private let lock = NSLock()
  private var letters: [String] = []
  private var waiters: [SelectWaiter<String>] = []

  /// Hands the letter to a waiting select, or keeps it.
  func post(_ letter: String) {
    lock.lock()
    var claim: SelectClaim<String>?
    while claim == nil, !waiters.isEmpty {
      claim = waiters.removeFirst().claim()  // nil: that select fired elsewhere
    }
    if claim == nil { letters.append(letter) }
    lock.unlock()
    claim?.fire(with: letter)  // after the lock
  }

  func selectTryTake() -> String? {
    lock.lock()
    defer { lock.unlock() }
    return letters.isEmpty ? nil : letters.removeFirst()
  }

  func selectRegister(_ waiter: SelectWaiter<String>) {
    lock.lock()
    guard !letters.isEmpty else {
      waiters.append(waiter)
      lock.unlock()
      return
    }
    let claim = waiter.claim()  // nil: the select fired through another case
    let letter = claim == nil ? nil : letters.removeFirst()
    lock.unlock()
    if let claim, let letter { claim.fire(with: letter) }
  }

  func selectDeregister(_ waiter: SelectWaiter<String>) {
    lock.lock()
    waiters.removeAll { $0 === waiter }
    lock.unlock()
  }
}

extension Mailbox {
  /// How many selects wait (for tests).
  var waiterCount: Int {
    lock.lock()
    defer { lock.unlock() }
    return waiters.count
  }

  /// How many letters wait to be taken (for tests).
  var letterCount: Int {
    lock.lock()
    defer { lock.unlock() }
    return letters.count
  }
}
