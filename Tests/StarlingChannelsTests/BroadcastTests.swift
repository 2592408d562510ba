import Testing

@testable import StarlingChannels

/// Yields until `condition` holds: for waiting on another task's progress without sleeping.
private func waitUntil(_ condition: () -> Bool) async {
  while !condition() { await Task.yield() }
}

/// Receives everything until the subscription ends.
private func collect<Element>(_ subscription: BroadcastSubscription<Element>) async -> [Element] {
  var elements: [Element] = []
  for await element in subscription { elements.append(element) }
  return elements
}

@Suite(.timeLimit(.minutes(5))) struct BroadcastTests {
  @Test(arguments: [BroadcastOverflow.wait, .dropOldest, .dropNewest])
  func everySubscriberGetsEveryElementInOrder(overflow: BroadcastOverflow) async throws {
    let broadcast = Broadcast<Int>()
    let subscriptions = (0..<3).map { _ in broadcast.subscribe(bufferSize: 10, overflow: overflow) }
    #expect(broadcast.subscriberCount == 3)
    for value in 1...10 { try await broadcast.send(value) }
    broadcast.close()
    for subscription in subscriptions {
      #expect(await collect(subscription) == Array(1...10))
      #expect(subscription.dropped == 0)
      #expect(subscription.bufferSize == 10)
      #expect(subscription.overflow == overflow)
    }
  }

  @Test func lateSubscriberMissesEarlierElements() async throws {
    let broadcast = Broadcast<String>()
    let early = broadcast.subscribe()
    try await broadcast.send("a")
    try await broadcast.send("b")
    let late = broadcast.subscribe()
    try await broadcast.send("c")
    broadcast.close()
    #expect(await collect(early) == ["a", "b", "c"])
    #expect(await collect(late) == ["c"])
  }

  @Test func sendWithoutSubscribersSucceeds() async throws {
    let broadcast = Broadcast<Int>()
    try await broadcast.send(1)
    let subscription = broadcast.subscribe()
    try await broadcast.send(2)
    broadcast.close()
    #expect(await collect(subscription) == [2])
  }

  @Test func dropOldestKeepsTheNewestElements() async throws {
    let broadcast = Broadcast<Int>()
    let slow = broadcast.subscribe(bufferSize: 3, overflow: .dropOldest)
    let roomy = broadcast.subscribe(bufferSize: 7, overflow: .dropOldest)
    for value in 1...7 { try await broadcast.send(value) }
    #expect(slow.dropped == 4)
    #expect(roomy.dropped == 0)
    #expect(try await slow.receive() == 5)
    try await broadcast.send(8)  // there is room again: nothing more is dropped
    #expect(slow.dropped == 4)
    try await broadcast.send(9)  // full again: 6 goes
    #expect(slow.dropped == 5)
    broadcast.close()
    #expect(await collect(slow) == [7, 8, 9])
    #expect(await collect(roomy) == [3, 4, 5, 6, 7, 8, 9])
    #expect(roomy.dropped == 2)
  }

  @Test func dropNewestKeepsTheOldestElements() async throws {
    let broadcast = Broadcast<Int>()
    let slow = broadcast.subscribe(bufferSize: 3, overflow: .dropNewest)
    let roomy = broadcast.subscribe(bufferSize: 7, overflow: .dropNewest)
    for value in 1...7 { try await broadcast.send(value) }
    #expect(slow.dropped == 4)
    #expect(roomy.dropped == 0)
    #expect(try await slow.receive() == 1)
    try await broadcast.send(8)  // there is room again
    try await broadcast.send(9)  // full again: 9 is dropped
    #expect(slow.dropped == 5)
    broadcast.close()
    #expect(await collect(slow) == [2, 3, 8])
    #expect(await collect(roomy) == [1, 2, 3, 4, 5, 6, 7])
    #expect(roomy.dropped == 2)
  }

  @Test func waitAppliesBackpressure() async throws {
    let broadcast = Broadcast<Int>()
    let slow = broadcast.subscribe(bufferSize: 1, overflow: .wait)
    let fast = broadcast.subscribe(bufferSize: 8, overflow: .dropNewest)
    try await broadcast.send(1)  // fills the slow buffer

    let second = Task { try await broadcast.send(2) }
    // The send is suspended in the slow subscriber's channel, waiting for room.
    await waitUntil { slow.subscriber.channel.waitingSenderCount == 1 }
    #expect(slow.subscriber.channel.count == 1)
    #expect(fast.subscriber.channel.count == 2)  // the fast subscriber was served first

    let third = Task { try await broadcast.send(3) }
    // The third send waits for its turn: nobody has its element yet.
    await waitUntil { broadcast.core.waitingSendCount == 1 }
    #expect(fast.subscriber.channel.count == 2)

    #expect(try await slow.receive() == 1)  // makes room: the second send completes
    try await second.value
    #expect(try await slow.receive() == 2)
    try await third.value
    #expect(try await slow.receive() == 3)
    #expect(slow.dropped == 0)
    broadcast.close()
    #expect(await collect(fast) == [1, 2, 3])
    #expect(await collect(slow) == [])
  }

  @Test func zeroBufferWaitIsARendezvous() async throws {
    let broadcast = Broadcast<Int>()
    let subscription = broadcast.subscribe(bufferSize: 0, overflow: .wait)
    let sending = Task { try await broadcast.send(1) }
    await waitUntil { subscription.subscriber.channel.waitingSenderCount == 1 }
    #expect(try await subscription.receive() == 1)
    try await sending.value
    #expect(subscription.subscriber.channel.count == 0)
  }

  @Test func cancelRemovesTheSubscriber() async throws {
    let broadcast = Broadcast<Int>()
    let kept = broadcast.subscribe()
    let cancelled = broadcast.subscribe()
    try await broadcast.send(1)
    cancelled.cancel()
    #expect(broadcast.subscriberCount == 1)
    #expect(cancelled.isClosed)
    #expect(try await cancelled.receive() == nil)  // the buffered 1 was discarded
    try await broadcast.send(2)
    #expect(try await cancelled.receive() == nil)
    cancelled.cancel()
    #expect(broadcast.subscriberCount == 1)
    broadcast.close()
    #expect(await collect(kept) == [1, 2])
    #expect(cancelled.dropped == 0)
  }

  @Test func cancelWakesAWaitingReceiver() async throws {
    let broadcast = Broadcast<Int>()
    let subscription = broadcast.subscribe()
    let receiving = Task { try await subscription.receive() }
    await waitUntil { subscription.subscriber.channel.waitingReceiverCount == 1 }
    subscription.cancel()
    #expect(try await receiving.value == nil)
  }

  @Test func cancelReleasesASendWaitingForTheSubscriber() async throws {
    let broadcast = Broadcast<Int>()
    let slow = broadcast.subscribe(bufferSize: 1, overflow: .wait)
    let other = broadcast.subscribe()
    try await broadcast.send(1)
    let sending = Task { try await broadcast.send(2) }
    await waitUntil { slow.subscriber.channel.waitingSenderCount == 1 }
    slow.cancel()
    try await sending.value  // completes without an error: the subscriber is gone
    try await broadcast.send(3)  // and no longer holds anything up
    broadcast.close()
    #expect(await collect(other) == [1, 2, 3])
    #expect(try await slow.receive() == nil)
  }

  @Test func droppingASubscriptionUnsubscribes() async throws {
    let broadcast = Broadcast<Int>()
    _ = broadcast.subscribe()
    #expect(broadcast.subscriberCount == 0)

    var slow: BroadcastSubscription<Int>? = broadcast.subscribe(bufferSize: 1, overflow: .wait)
    #expect(broadcast.subscriberCount == 1)
    try await broadcast.send(1)
    let sending = Task { try await broadcast.send(2) }
    await waitUntil { slow?.subscriber.channel.waitingSenderCount == 1 }
    slow = nil
    try await sending.value
    #expect(broadcast.subscriberCount == 0)
  }

  @Test func closeEndsEverySubscription() async throws {
    let broadcast = Broadcast<Int>()
    let waiting = broadcast.subscribe(bufferSize: 4, overflow: .wait)
    let dropping = broadcast.subscribe(bufferSize: 4, overflow: .dropNewest)
    let idle = broadcast.subscribe()
    try await broadcast.send(1)
    try await broadcast.send(2)
    #expect(try await idle.receive() == 1)
    #expect(try await idle.receive() == 2)
    let receiving = Task { try await idle.receive() }
    await waitUntil { idle.subscriber.channel.waitingReceiverCount == 1 }

    broadcast.close()
    broadcast.close()
    #expect(broadcast.isClosed)
    #expect(broadcast.subscriberCount == 0)
    #expect(try await receiving.value == nil)
    await #expect(throws: ChannelError.closed) { try await broadcast.send(3) }
    #expect(await collect(waiting) == [1, 2])  // drained, then ended
    #expect(await collect(dropping) == [1, 2])

    let afterClose = broadcast.subscribe()
    #expect(afterClose.isClosed)
    #expect(try await afterClose.receive() == nil)
    #expect(broadcast.subscriberCount == 0)
  }

  @Test func closeFailsWaitingSends() async throws {
    let broadcast = Broadcast<Int>()
    let slow = broadcast.subscribe(bufferSize: 1, overflow: .wait)
    try await broadcast.send(1)
    let waitingForRoom = Task { try await broadcast.send(2) }
    await waitUntil { slow.subscriber.channel.waitingSenderCount == 1 }
    let waitingForTurn = Task { try await broadcast.send(3) }
    await waitUntil { broadcast.core.waitingSendCount == 1 }

    broadcast.close()
    await #expect(throws: ChannelError.closed) { try await waitingForRoom.value }
    await #expect(throws: ChannelError.closed) { try await waitingForTurn.value }
    #expect(await collect(slow) == [1])
  }

  @Test func droppingTheBroadcastEndsItsSubscriptions() async throws {
    var broadcast: Broadcast<Int>? = Broadcast()
    let subscription = broadcast!.subscribe()
    try await broadcast!.send(1)
    broadcast = nil
    #expect(await collect(subscription) == [1])
  }

  @Test func cancellingASendWaitingForRoom() async throws {
    let broadcast = Broadcast<Int>()
    let slow = broadcast.subscribe(bufferSize: 1, overflow: .wait)
    try await broadcast.send(1)
    let sending = Task { try await broadcast.send(2) }
    await waitUntil { slow.subscriber.channel.waitingSenderCount == 1 }
    sending.cancel()
    await #expect(throws: CancellationError.self) { try await sending.value }
    #expect(slow.subscriber.channel.waitingSenderCount == 0)

    #expect(try await slow.receive() == 1)
    try await broadcast.send(3)  // the cancelled send gave up its turn
    #expect(try await slow.receive() == 3)  // and 2 was never delivered
    #expect(slow.subscriber.channel.count == 0)
  }

  @Test func cancellingASendWaitingForItsTurn() async throws {
    let broadcast = Broadcast<Int>()
    let slow = broadcast.subscribe(bufferSize: 1, overflow: .wait)
    let other = broadcast.subscribe()
    try await broadcast.send(1)
    let second = Task { try await broadcast.send(2) }
    await waitUntil { slow.subscriber.channel.waitingSenderCount == 1 }
    let third = Task { try await broadcast.send(3) }
    await waitUntil { broadcast.core.waitingSendCount == 1 }
    third.cancel()
    await #expect(throws: CancellationError.self) { try await third.value }
    #expect(broadcast.core.waitingSendCount == 0)

    #expect(try await slow.receive() == 1)
    try await second.value
    #expect(try await slow.receive() == 2)
    broadcast.close()
    #expect(await collect(slow) == [])
    #expect(await collect(other) == [1, 2])  // 3 reached nobody
  }

  @Test func manyConcurrentSubscribersEachGetEveryElement() async throws {
    let broadcast = Broadcast<Int>()
    let count = 2_000
    let subscriptions = (0..<16).map { _ in broadcast.subscribe(bufferSize: 4, overflow: .wait) }
    try await withThrowingTaskGroup(of: [Int].self) { group in
      for subscription in subscriptions {
        group.addTask { await collect(subscription) }
      }
      for value in 0..<count { try await broadcast.send(value) }
      broadcast.close()
      var finished = 0
      for try await received in group {
        #expect(received == Array(0..<count))
        finished += 1
      }
      #expect(finished == subscriptions.count)
    }
  }

  @Test(arguments: [BroadcastOverflow.dropOldest, .dropNewest])
  func droppingSubscribersAccountForEveryElement(overflow: BroadcastOverflow) async throws {
    let broadcast = Broadcast<Int>()
    let count = 2_000
    let subscriptions = (0..<8).map { _ in broadcast.subscribe(bufferSize: 2, overflow: overflow) }
    try await withThrowingTaskGroup(of: (received: [Int], dropped: Int).self) { group in
      for subscription in subscriptions {
        group.addTask {
          let received = await collect(subscription)
          return (received, subscription.dropped)
        }
      }
      for value in 0..<count { try await broadcast.send(value) }
      broadcast.close()
      for try await (received, dropped) in group {
        #expect(received.count + dropped == count)
        #expect(zip(received, received.dropFirst()).allSatisfy { $0 < $1 })
      }
    }
  }

  @Test func concurrentSendersAreSeenInTheSameOrderByEverySubscriber() async throws {
    let broadcast = Broadcast<Int>()
    let senders = 4
    let perSender = 250
    let subscriptions = (0..<3).map { _ in broadcast.subscribe(bufferSize: 2, overflow: .wait) }
    try await withThrowingTaskGroup(of: [Int].self) { consumers in
      for subscription in subscriptions {
        consumers.addTask { await collect(subscription) }
      }
      try await withThrowingTaskGroup(of: Void.self) { producers in
        for sender in 0..<senders {
          producers.addTask {
            for index in 0..<perSender { try await broadcast.send(sender * 1_000 + index) }
          }
        }
        try await producers.waitForAll()
      }
      broadcast.close()
      var sequences: [[Int]] = []
      for try await received in consumers { sequences.append(received) }
      let first = try #require(sequences.first)
      #expect(sequences.count == subscriptions.count)
      #expect(sequences.allSatisfy { $0 == first })
      #expect(first.count == senders * perSender)
      for sender in 0..<senders {
        let own = first.filter { $0 / 1_000 == sender }
        #expect(own == (0..<perSender).map { sender * 1_000 + $0 })
      }
    }
  }
}
