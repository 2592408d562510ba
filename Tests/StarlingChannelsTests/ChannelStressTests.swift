import Testing

@testable import StarlingChannels

/// Many producers and consumers at once: every element is delivered exactly once, in order per
/// producer, waiters are served first come first served, and `close()` ends everything.
@Suite struct ChannelStressTests {
  // MARK: Producers and consumers

  @Test(arguments: [0, 1, 64])
  func manyProducersAndConsumersDeliverEachElementOnce(capacity: Int) async throws {
    let producers = 8
    let consumers = 8
    let perProducer = 10_000
    let channel = Channel<Int>(capacity: capacity)
    let streams = try await withThrowingTaskGroup(of: [Int].self) { group in
      for _ in 0..<consumers {
        group.addTask {
          var received: [Int] = []
          for await value in channel { received.append(value) }
          return received
        }
      }
      try await withThrowingTaskGroup(of: Void.self) { sending in
        for producer in 0..<producers {
          sending.addTask {
            for index in 0..<perProducer { try await channel.send(producer * perProducer + index) }
          }
        }
        try await sending.waitForAll()
      }
      channel.close()
      var streams: [[Int]] = []
      for try await received in group { streams.append(received) }
      return streams
    }
    let all = streams.flatMap { $0 }
    #expect(all.count == producers * perProducer, "received \(all.count) elements")
    #expect(all.sorted() == Array(0..<producers * perProducer), "every element exactly once")
    for stream in streams {
      #expect(
        isInProducerOrder(stream, perProducer: perProducer),
        "a consumer saw a producer's elements out of order")
    }
    #expect(channel.count == 0)
    #expect(waitingReceivers(channel) == 0 && waitingSenders(channel) == 0)
  }

  @Test(arguments: [0, 4])
  func nonWaitingSendersMeetWaitingReceivers(capacity: Int) async throws {
    let channel = Channel<Int>(capacity: capacity)
    let producers = 4
    let perProducer = 2_000
    let received = try await withThrowingTaskGroup(of: [Int].self) { group in
      for _ in 0..<4 {
        group.addTask {
          var received: [Int] = []
          while let value = try await channel.receive() { received.append(value) }
          return received
        }
      }
      try await withThrowingTaskGroup(of: Void.self) { sending in
        for producer in 0..<producers {
          sending.addTask {
            for index in 0..<perProducer {
              while try !channel.trySend(producer * perProducer + index) { await Task.yield() }
            }
          }
        }
        try await sending.waitForAll()
      }
      channel.close()
      var all: [Int] = []
      for try await part in group { all += part }
      return all
    }
    #expect(received.sorted() == Array(0..<producers * perProducer))
  }

  @Test(arguments: [0, 4])
  func waitingSendersMeetNonWaitingReceivers(capacity: Int) async throws {
    let channel = Channel<Int>(capacity: capacity)
    let producers = 4
    let perProducer = 2_000
    let received = try await withThrowingTaskGroup(of: [Int].self) { group in
      for _ in 0..<4 {
        group.addTask {
          var received: [Int] = []
          while true {
            do {
              if let value = try channel.tryReceive() {
                received.append(value)
              } else {
                await Task.yield()
              }
            } catch {
              #expect(error as? ChannelError == .closed)
              return received
            }
          }
        }
      }
      try await withThrowingTaskGroup(of: Void.self) { sending in
        for producer in 0..<producers {
          sending.addTask {
            for index in 0..<perProducer { try await channel.send(producer * perProducer + index) }
          }
        }
        try await sending.waitForAll()
      }
      channel.close()
      var all: [Int] = []
      for try await part in group { all += part }
      return all
    }
    #expect(received.sorted() == Array(0..<producers * perProducer))
  }

  @Test(arguments: [0, 8])
  func closeInTheMiddleOfTrafficLosesNothing(capacity: Int) async throws {
    for round in 0..<20 {
      let channel = Channel<Int>(capacity: capacity)
      let (sent, received) = try await withThrowingTaskGroup(of: ([Int], [Int]).self) { group in
        for producer in 0..<4 {
          group.addTask {
            var sent: [Int] = []
            for index in 0..<100_000 {
              do {
                try await channel.send(producer * 100_000 + index)
                sent.append(producer * 100_000 + index)
              } catch {
                #expect(error as? ChannelError == .closed)
                break
              }
            }
            return (sent, [])
          }
        }
        for _ in 0..<4 {
          group.addTask {
            var received: [Int] = []
            for await value in channel {
              received.append(value)
              if received.count == 100 * (round + 1) { channel.close() }
            }
            return ([], received)
          }
        }
        var sent: [Int] = []
        var received: [Int] = []
        for try await (someSent, someReceived) in group {
          sent += someSent
          received += someReceived
        }
        return (sent, received)
      }
      #expect(received.count == Set(received).count, "round \(round): an element arrived twice")
      #expect(Set(received) == Set(sent), "round \(round): sent \(sent.count), received \(received.count)")
      #expect(channel.isClosed)
    }
  }

  @Test func pingPongOverTwoRendezvousChannels() async throws {
    let ping = Channel<Int>()
    let pong = Channel<Int>()
    let rounds = 20_000
    let echo = Task {
      var echoed = 0
      for await value in ping {
        try await pong.send(value + 1)
        echoed += 1
      }
      return echoed
    }
    var value = 0
    for _ in 0..<rounds {
      try await ping.send(value)
      value = try #require(try await pong.receive())
    }
    ping.close()
    #expect(value == rounds)
    #expect(try await echo.value == rounds)
  }

  // MARK: Waiters are served in arrival order

  @Test(arguments: [0, 2])
  func waitingSendersAreServedInArrivalOrder(capacity: Int) async throws {
    let channel = Channel<Int>(capacity: capacity)
    for value in 0..<capacity { try await channel.send(-value - 1) }
    var senders: [Task<Void, any Error>] = []
    for value in 1...20 {
      senders.append(Task { try await channel.send(value) })
      try await eventually { waitingSenders(channel) == value }
    }
    var received: [Int] = []
    for _ in 0..<(capacity + 20) { received.append(try #require(try await channel.receive())) }
    #expect(received == (0..<capacity).map { -$0 - 1 } + Array(1...20))
    for sender in senders { try await sender.value }
  }

  @Test(arguments: [0, 2])
  func waitingReceiversAreServedInArrivalOrder(capacity: Int) async throws {
    let channel = Channel<Int>(capacity: capacity)
    var receivers: [Task<Int?, any Error>] = []
    for count in 1...20 {
      receivers.append(Task { try await channel.receive() })
      try await eventually { waitingReceivers(channel) == count }
    }
    for value in 1...20 { try await channel.send(value) }
    for (index, receiver) in receivers.enumerated() {
      #expect(try await receiver.value == index + 1)
    }
    #expect(channel.count == 0)
  }

  // MARK: Operations that never wait

  @Test func tryOperationsFollowTheirContract() async throws {
    let rendezvous = Channel<Int>()
    #expect(try rendezvous.trySend(1) == false, "nobody waits to receive")
    #expect(try rendezvous.tryReceive() == nil, "nobody waits to send")

    let buffered = Channel<Int>(capacity: 2)
    #expect(try buffered.trySend(1))
    #expect(try buffered.trySend(2))
    #expect(try buffered.trySend(3) == false, "full")
    #expect(buffered.count == 2)
    buffered.close()
    #expect(throws: ChannelError.closed) { try buffered.trySend(4) }
    #expect(try buffered.tryReceive() == 1, "a closed channel still drains")
    #expect(try buffered.tryReceive() == 2)
    #expect(throws: ChannelError.closed) { try buffered.tryReceive() }

    rendezvous.close()
    #expect(throws: ChannelError.closed) { try rendezvous.trySend(5) }
    #expect(throws: ChannelError.closed) { try rendezvous.tryReceive() }
  }

  // MARK: Close

  @Test func closeWakesEveryWaiter() async throws {
    let empty = Channel<Int>()
    let full = Channel<Int>(capacity: 2)
    try await full.send(1)
    try await full.send(2)
    let receivers = (0..<50).map { _ in Task { try await empty.receive() } }
    let senders = (0..<50).map { value in Task { try await full.send(value) } }
    let selects = (0..<10).map { _ in
      Task {
        try await select {
          onReceive(empty) { $0 }
          onSend(0, to: full) { 0 }
        }
      }
    }
    try await eventually { waitingReceivers(empty) == 60 && waitingSenders(full) == 60 }
    empty.close()
    full.close()
    full.close()
    for receiver in receivers { #expect(try await receiver.value == nil) }
    for sender in senders { await #expect(throws: ChannelError.closed) { try await sender.value } }
    for selecting in selects {
      // The receive case sees the end, or the send case sees the closed channel.
      switch await selecting.result {
      case .success(let value): #expect(value == nil)
      case .failure(let error): #expect(error as? ChannelError == .closed)
      }
    }
    #expect(waitingReceivers(empty) == 0 && waitingSenders(full) == 0)
    #expect(try full.tryReceive() == 1)
    #expect(try full.tryReceive() == 2)
    #expect(throws: ChannelError.closed) { try full.tryReceive() }
    #expect(throws: ChannelError.closed) { try full.trySend(3) }
    await #expect(throws: ChannelError.closed) { try await empty.send(3) }
    #expect(try await empty.receive() == nil)
  }

  @Test func closeReportsStateThroughItsProperties() async throws {
    let channel = Channel<Int>(capacity: 3)
    #expect(channel.capacity == 3)
    #expect(!channel.isClosed)
    try await channel.send(1)
    try await channel.send(2)
    #expect(channel.count == 2)
    channel.close()
    #expect(channel.isClosed)
    #expect(channel.count == 2, "closing keeps the buffer")
    #expect(try channel.tryReceive() == 1)
    #expect(channel.count == 1)
  }
}

// MARK: - Helpers

/// Whether a consumer saw each producer's elements (`producer * perProducer + index`) in the
/// order the producer sent them.
private func isInProducerOrder(_ stream: [Int], perProducer: Int) -> Bool {
  var last: [Int: Int] = [:]
  for value in stream {
    let producer = value / perProducer
    if let previous = last[producer], previous >= value { return false }
    last[producer] = value
  }
  return true
}
