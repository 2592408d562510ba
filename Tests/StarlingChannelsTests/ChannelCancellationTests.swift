import Synchronization
import Testing

@testable import StarlingChannels

/// Cancellation in every waiting state, and cancellation racing with delivery and `close()`.
///
/// The rule under test: a cancelled send delivers nothing and throws `CancellationError`; a
/// cancelled receive takes nothing; so every element is received exactly once or stays where
/// it was (in the buffer, or with its sender).
@Suite struct ChannelCancellationTests {
  // MARK: Waiting tasks

  @Test func cancelledSenderOnAFullBufferedChannelDeliversNothing() async throws {
    let channel = Channel<Int>(capacity: 1)
    try await channel.send(1)
    let sender = Task { try await channel.send(2) }
    try await eventually { waitingSenders(channel) == 1 }
    sender.cancel()
    await #expect(throws: CancellationError.self) { try await sender.value }
    #expect(waitingSenders(channel) == 0, "a cancelled sender leaves the queue")
    #expect(try channel.tryReceive() == 1)
    #expect(try channel.tryReceive() == nil, "the cancelled element must not be admitted")
    #expect(try channel.trySend(3), "the freed slot is usable")
  }

  @Test func cancelledSenderOnARendezvousChannelDeliversNothing() async throws {
    let channel = Channel<Int>()
    let sender = Task { try await channel.send(1) }
    try await eventually { waitingSenders(channel) == 1 }
    sender.cancel()
    await #expect(throws: CancellationError.self) { try await sender.value }
    #expect(waitingSenders(channel) == 0)
    #expect(try channel.tryReceive() == nil, "a receiver must not find the cancelled element")
  }

  @Test(arguments: [0, 1])
  func cancelledReceiverOnAnEmptyChannelTakesNothing(capacity: Int) async throws {
    let channel = Channel<Int>(capacity: capacity)
    let receiver = Task { try await channel.receive() }
    try await eventually { waitingReceivers(channel) == 1 }
    receiver.cancel()
    await #expect(throws: CancellationError.self) { try await receiver.value }
    #expect(waitingReceivers(channel) == 0, "a cancelled receiver leaves the queue")
    // The next element must not be handed to the cancelled receiver.
    #expect(try channel.trySend(5) == (capacity > 0))
    #expect(channel.count == (capacity > 0 ? 1 : 0))
  }

  @Test func senderCancelledBeforeItWaitsThrowsAndQueuesNothing() async throws {
    let channel = Channel<Int>(capacity: 1)
    try await channel.send(0)
    let sender = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      try await channel.send(1)
    }
    await #expect(throws: CancellationError.self) { try await sender.value }
    #expect(waitingSenders(channel) == 0)
    #expect(try channel.tryReceive() == 0)
    #expect(try channel.tryReceive() == nil)
  }

  @Test func receiverCancelledBeforeItWaitsThrowsAndQueuesNothing() async throws {
    let channel = Channel<Int>()
    let receiver = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return try await channel.receive()
    }
    await #expect(throws: CancellationError.self) { try await receiver.value }
    #expect(waitingReceivers(channel) == 0)
    #expect(try channel.trySend(1) == false, "no receiver may be waiting")
  }

  @Test func cancellingOneWaiterKeepsTheOthersInOrder() async throws {
    let channel = Channel<Int>()
    var receivers: [Task<Int?, any Error>] = []
    for count in 1...3 {
      receivers.append(Task { try await channel.receive() })
      try await eventually { waitingReceivers(channel) == count }
    }
    receivers[1].cancel()
    await #expect(throws: CancellationError.self) { try await receivers[1].value }
    #expect(try channel.trySend(10))
    #expect(try channel.trySend(30))
    #expect(try await receivers[0].value == 10)
    #expect(try await receivers[2].value == 30)
    #expect(try channel.trySend(40) == false)
  }

  @Test func forAwaitEndsOnCancellationWithoutTakingAnElement() async throws {
    let channel = Channel<Int>(capacity: 1)
    let consumer = Task {
      var seen: [Int] = []
      for await value in channel { seen.append(value) }
      return seen
    }
    try await channel.send(1)
    try await channel.send(2)
    try await eventually { waitingReceivers(channel) == 1 && channel.count == 0 }
    consumer.cancel()
    #expect(await consumer.value == [1, 2])
    #expect(try channel.trySend(3))
    #expect(try channel.tryReceive() == 3, "the cancelled iteration must not have taken it")
  }

  /// `Channel.AsyncIterator.next()` is documented to return `nil` "when the channel is closed
  /// and drained, or the task is cancelled". Bug (in 5dff1d6): `next()` is
  /// `try? await receive()`, and `receive()` notices cancellation only when it has to wait, so
  /// a cancelled task keeps taking elements while any are ready: a `for await` loop over a
  /// channel that producers keep non-empty never ends after its task is cancelled.
  @Test func forAwaitInACancelledTaskEndsEvenWhileElementsAreReady() async throws {
    let channel = Channel<Int>(capacity: 5)
    for value in 1...5 { try await channel.send(value) }
    let consumer = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      var seen: [Int] = []
      for await value in channel { seen.append(value) }
      return seen
    }
    let seen = await consumer.value
    #expect(seen == Array((1...5).prefix(seen.count)), "in order, if anything")
    #expect(seen.count + channel.count == 5, "nothing lost")
    #expect(seen.isEmpty, "a cancelled task's iteration must end, not drain the channel")
  }

  // MARK: Waiting selects

  @Test func cancelledSelectWithReceiveCasesTakesNothing() async throws {
    let a = Channel<Int>(capacity: 1)
    let b = Channel<Int>()
    let selecting = Task {
      try await select {
        onReceive(a) { $0 }
        onReceive(b) { $0 }
      }
    }
    try await eventually { waitingReceivers(a) == 1 && waitingReceivers(b) == 1 }
    selecting.cancel()
    await #expect(throws: CancellationError.self) { try await selecting.value }
    #expect(waitingReceivers(a) == 0 && waitingReceivers(b) == 0, "the select deregistered")
    #expect(try a.trySend(1))
    #expect(a.count == 1, "the cancelled select must not take the element")
    #expect(try b.trySend(2) == false)
  }

  @Test func cancelledSelectWithSendCasesDeliversNothing() async throws {
    let a = Channel<Int>()
    let b = Channel<Int>(capacity: 1)
    try await b.send(0)
    let selecting = Task {
      try await select {
        onSend(1, to: a)
        onSend(2, to: b)
      }
    }
    try await eventually { waitingSenders(a) == 1 && waitingSenders(b) == 1 }
    selecting.cancel()
    await #expect(throws: CancellationError.self) { try await selecting.value }
    #expect(waitingSenders(a) == 0 && waitingSenders(b) == 0, "the select deregistered")
    #expect(try a.tryReceive() == nil)
    #expect(try b.tryReceive() == 0)
    #expect(try b.tryReceive() == nil, "the cancelled send case must not be admitted")
  }

  @Test func cancelledSelectWithATimeoutCaseThrowsCancellation() async throws {
    let a = Channel<Int>()
    let selecting = Task {
      try await select {
        onReceive(a) { _ in "received" }
        onTimeout(.seconds(3600)) { "timed out" }
      }
    }
    try await eventually { waitingReceivers(a) == 1 }
    selecting.cancel()
    await #expect(throws: CancellationError.self) { try await selecting.value }
    #expect(waitingReceivers(a) == 0)

    let onlyTimeout = Task { try await select { onTimeout(.seconds(3600)) { "timed out" } } }
    onlyTimeout.cancel()
    await #expect(throws: CancellationError.self) { try await onlyTimeout.value }
  }

  @Test func selectCancelledBeforeItWaitsThrowsAndRegistersNothing() async throws {
    let a = Channel<Int>()
    let b = Channel<Int>()
    let selecting = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return try await select {
        onReceive(a) { $0 }
        onSend(1, to: b) { nil }
      }
    }
    await #expect(throws: CancellationError.self) { try await selecting.value }
    #expect(waitingReceivers(a) == 0 && waitingSenders(b) == 0)
  }

  // MARK: Cancellation racing with delivery

  // Each iteration lines up two tasks at a starting gate and lets one deliver while the other
  // cancels, so both orders (and true overlaps) occur; the accounting must hold for every one.

  @Test(arguments: [0, 1])
  func receiverCancellationRacingASendDeliversExactlyOnce(capacity: Int) async throws {
    let channel = Channel<Int>(capacity: capacity)
    for value in 0..<400 {
      let receiver = Task { try await channel.receive() }
      try await eventually { waitingReceivers(channel) == 1 }
      let sent = Lock.make(false)
      await race(jitter: value) {
        let accepted = (try? channel.trySend(value)) ?? false
        sent.withLock { $0 = accepted }
      } and: {
        receiver.cancel()
      }
      var copies = 0
      switch await receiver.result {
      case .success(let received):
        #expect(received == value, "iteration \(value)")
        copies += 1
      case .failure(let error):
        #expect(error is CancellationError)
      }
      if try channel.tryReceive() == value { copies += 1 }
      #expect(copies == (sent.withLock { $0 } ? 1 : 0), "iteration \(value): delivered \(copies) times")
      #expect(try channel.tryReceive() == nil)
      #expect(waitingReceivers(channel) == 0 && waitingSenders(channel) == 0)
    }
  }

  @Test(arguments: [0, 1])
  func senderCancellationRacingAReceiveDeliversExactlyOnce(capacity: Int) async throws {
    let channel = Channel<Int>(capacity: capacity)
    for value in 0..<400 {
      if capacity > 0 { try await channel.send(-1) }  // fill the buffer so the sender waits
      let sender = Task { try await channel.send(value) }
      try await eventually { waitingSenders(channel) == 1 }
      let taken = Lock<Int?>.make(nil)
      await race(jitter: value) {
        let element = try? channel.tryReceive()
        taken.withLock { $0 = element }
      } and: {
        sender.cancel()
      }
      let delivered: Bool
      switch await sender.result {
      case .success: delivered = true
      case .failure(let error):
        #expect(error is CancellationError)
        delivered = false
      }
      if capacity > 0 {
        #expect(taken.withLock { $0 } == -1)
        #expect(try channel.tryReceive() == (delivered ? value : nil), "iteration \(value)")
      } else {
        #expect(taken.withLock { $0 } == (delivered ? value : nil), "iteration \(value)")
      }
      #expect(try channel.tryReceive() == nil)
      #expect(waitingReceivers(channel) == 0 && waitingSenders(channel) == 0)
    }
  }

  @Test(arguments: [0, 1])
  func selectReceiveCancellationRacingASendDeliversExactlyOnce(capacity: Int) async throws {
    let a = Channel<Int>(capacity: capacity)
    let b = Channel<Int>()
    for value in 0..<400 {
      let selecting = Task {
        try await select {
          onReceive(a) { $0 ?? -2 }
          onReceive(b) { _ in -1 }
        }
      }
      try await eventually { waitingReceivers(a) == 1 && waitingReceivers(b) == 1 }
      let sent = Lock.make(false)
      await race(jitter: value) {
        let accepted = (try? a.trySend(value)) ?? false
        sent.withLock { $0 = accepted }
      } and: {
        selecting.cancel()
      }
      var copies = 0
      switch await selecting.result {
      case .success(let received):
        #expect(received == value, "iteration \(value): the wrong case fired")
        copies += 1
      case .failure(let error):
        #expect(error is CancellationError)
      }
      if try a.tryReceive() == value { copies += 1 }
      #expect(copies == (sent.withLock { $0 } ? 1 : 0), "iteration \(value): delivered \(copies) times")
      #expect(waitingReceivers(a) == 0 && waitingReceivers(b) == 0, "iteration \(value): leaked waiter")
    }
  }

  @Test(arguments: [0, 1])
  func selectSendCancellationRacingAReceiveDeliversExactlyOnce(capacity: Int) async throws {
    let a = Channel<Int>(capacity: capacity)
    let b = Channel<Int>(capacity: capacity)
    if capacity > 0 { try await b.send(-2) }
    for value in 0..<400 {
      if capacity > 0 { try await a.send(-1) }
      let selecting = Task {
        try await select {
          onSend(value, to: a) { "a" }
          onSend(value, to: b) { "b" }
        }
      }
      try await eventually { waitingSenders(a) == 1 && waitingSenders(b) == 1 }
      let taken = Lock<Int?>.make(nil)
      await race(jitter: value) {
        let element = try? a.tryReceive()
        taken.withLock { $0 = element }
      } and: {
        selecting.cancel()
      }
      let fired: Bool
      switch await selecting.result {
      case .success(let name):
        #expect(name == "a", "iteration \(value): nobody received from b")
        fired = true
      case .failure(let error):
        #expect(error is CancellationError)
        fired = false
      }
      if capacity > 0 {
        #expect(taken.withLock { $0 } == -1)
        #expect(try a.tryReceive() == (fired ? value : nil), "iteration \(value)")
      } else {
        #expect(taken.withLock { $0 } == (fired ? value : nil), "iteration \(value)")
      }
      #expect(try a.tryReceive() == nil)
      #expect(waitingSenders(a) == 0 && waitingSenders(b) == 0, "iteration \(value): leaked waiter")
    }
    if capacity > 0 {
      #expect(try b.tryReceive() == -2)
    }
    #expect(try b.tryReceive() == nil, "the losing send case never delivers")
  }

  @Test(arguments: [0, 1])
  func timeoutRacingADeliveryDeliversExactlyOnce(capacity: Int) async throws {
    let a = Channel<Int>(capacity: capacity)
    for value in 0..<300 {
      let selecting = Task {
        try await select {
          onReceive(a) { $0 ?? -2 }
          onTimeout(.microseconds(value % 40)) { -1 }
        }
      }
      for _ in 0..<(value % 4) { await Task.yield() }  // vary where the send lands
      let accepted = (try? a.trySend(value)) ?? false
      let result = try await selecting.value
      var copies = result == value ? 1 : 0
      #expect(result == value || result == -1, "iteration \(value)")
      if try a.tryReceive() == value { copies += 1 }
      #expect(copies == (accepted ? 1 : 0), "iteration \(value): delivered \(copies) times")
      #expect(waitingReceivers(a) == 0 && waitingSenders(a) == 0)
    }
  }

  @Test func closeRacingCancellationResumesEveryWaiterOnce() async throws {
    for iteration in 0..<300 {
      let empty = Channel<Int>()
      let full = Channel<Int>(capacity: 1)
      try await full.send(0)
      let receiver = Task { try await empty.receive() }
      let sender = Task { try await full.send(1) }
      let receiveSelect = Task { try await select { onReceive(empty) { $0 ?? -1 } } }
      let sendSelect = Task { try await select { onSend(2, to: full) { 2 } } }
      try await eventually { waitingReceivers(empty) == 2 && waitingSenders(full) == 2 }
      await race(jitter: iteration) {
        empty.close()
        full.close()
      } and: {
        receiver.cancel()
        receiveSelect.cancel()
        sender.cancel()
        sendSelect.cancel()
      }

      switch await receiver.result {
      case .success(let value): #expect(value == nil, "iteration \(iteration)")
      case .failure(let error): #expect(error is CancellationError)
      }
      switch await receiveSelect.result {
      case .success(let value): #expect(value == -1, "iteration \(iteration)")
      case .failure(let error): #expect(error is CancellationError)
      }
      let sendResults = [await sender.result.map { 0 }, await sendSelect.result]
      for result in sendResults {
        switch result {
        case .success: Issue.record("iteration \(iteration): a send completed on a full, closed channel")
        case .failure(let error):
          #expect(error is CancellationError || error as? ChannelError == .closed)
        }
      }
      #expect(try full.tryReceive() == 0)
      #expect(throws: ChannelError.closed) { try full.tryReceive() }
    }
  }

  // MARK: Churn

  /// Plain and select sends and receives on two channels, with random cancellations and
  /// timeouts, then `close()`: everything delivered is received exactly once.
  @Test(arguments: [0, 3])
  func randomCancellationNeverLosesOrDuplicatesAnElement(capacity: Int) async throws {
    let a = Channel<Int>(capacity: capacity)
    let b = Channel<Int>(capacity: capacity)
    let finished = Counter()
    let operations = 800
    var sends: [Task<Int?, Never>] = []
    var receives: [Task<Int?, Never>] = []
    for value in 0..<operations {
      sends.append(
        Task {
          defer { finished.increment() }
          return await deliveredOrNil(value) {
            switch value % 4 {
            case 0: try await a.send(value)
            case 1: try await b.send(value)
            case 2:
              try await select {
                onSend(value, to: a)
                onSend(value, to: b)
              }
            default:
              let sent = try await select {
                onSend(value, to: a) { true }
                onTimeout(.microseconds(100)) { false }
              }
              if !sent { throw TimedOut() }
            }
          }
        })
      receives.append(
        Task {
          defer { finished.increment() }
          return await receivedOrNil {
            switch value % 5 {
            case 0: return try await a.receive()
            case 1: return try await b.receive()
            case 2:
              return try await select {
                onReceive(a) { $0 }
                onReceive(b) { $0 }
              }
            case 3:
              return try await select {
                onReceive(b) { $0 }
                onTimeout(.microseconds(100)) { nil }
              }
            default:
              var iterator = a.makeAsyncIterator()
              return await iterator.next()
            }
          }
        })
      if Bool.random() { sends.randomElement()!.cancel() }
      if Bool.random() { receives.randomElement()!.cancel() }
    }
    // Let the operations meet before closing (there is no single event for "every operation
    // that can complete has"); the accounting below holds however far they got.
    var last = -1
    var stable = 0
    while finished.value < 2 * operations && stable < 500 {
      let now = finished.value
      stable = now == last ? stable + 1 : 0
      last = now
      await Task.yield()
    }
    a.close()
    b.close()

    var delivered: [Int] = []
    for send in sends { if let value = await send.value { delivered.append(value) } }
    var received: [Int] = []
    for receive in receives { if let value = await receive.value { received.append(value) } }
    for channel in [a, b] {
      while let value = try? channel.tryReceive() { received.append(value) }
      #expect(throws: ChannelError.closed) { try channel.tryReceive() }
      #expect(waitingReceivers(channel) == 0 && waitingSenders(channel) == 0)
    }
    #expect(received.count == Set(received).count, "an element was received twice")
    #expect(Set(received) == Set(delivered), "received \(received.count), delivered \(delivered.count)")
    #expect(delivered.count == Set(delivered).count)
  }
}

// MARK: - Helpers

private struct TimedOut: Error {}

/// Runs a send; returns `value` if it delivered, `nil` if it was cancelled, timed out or met a
/// closed channel, and records any other error.
private func deliveredOrNil(_ value: Int, _ send: () async throws -> Void) async -> Int? {
  do {
    try await send()
    return value
  } catch is CancellationError {
    return nil
  } catch ChannelError.closed {
    return nil
  } catch is TimedOut {
    return nil
  } catch {
    Issue.record("unexpected error \(error)")
    return nil
  }
}

/// Runs a receive; returns what it received, or `nil` if it was cancelled or saw the end.
private func receivedOrNil(_ receive: () async throws -> Int?) async -> Int? {
  do {
    return try await receive()
  } catch is CancellationError {
    return nil
  } catch {
    Issue.record("unexpected error \(error)")
    return nil
  }
}
