import StarlingChannels
import Testing

@Suite struct ChannelBasicsTests {
  @Test func bufferedSendAndReceiveInOrder() async throws {
    let channel = Channel<Int>(capacity: 4)
    for value in 1...4 { try await channel.send(value) }
    #expect(try channel.trySend(5) == false)
    #expect(channel.count == 4)
    var received: [Int] = []
    for _ in 1...4 { received.append(try #require(try await channel.receive())) }
    #expect(received == [1, 2, 3, 4])
    #expect(try channel.tryReceive() == nil)
  }

  /// The capacity bounds the buffer; nothing is reserved for it up front (a terabyte here).
  @Test func aHugeCapacityReservesNothing() async throws {
    let channels = (0..<1000).map { _ in Channel<[Int]>(capacity: 1 << 40) }
    for (index, channel) in channels.enumerated() {
      for value in 0..<100 { try await channel.send([index, value]) }
      #expect(channel.count == 100)
      #expect(try channel.tryReceive() == [index, 0])
    }
  }

  @Test func rendezvousHandsOver() async throws {
    let channel = Channel<String>()
    #expect(try channel.trySend("x") == false)
    async let received = channel.receive()
    try await channel.send("hello")
    #expect(try await received == "hello")
  }

  @Test func closeDrainsThenEnds() async throws {
    let channel = Channel<Int>(capacity: 3)
    try await channel.send(1)
    try await channel.send(2)
    channel.close()
    channel.close()
    await #expect(throws: ChannelError.closed) { try await channel.send(3) }
    var all: [Int] = []
    for await value in channel { all.append(value) }
    #expect(all == [1, 2])
    #expect(try await channel.receive() == nil)
    #expect(throws: ChannelError.closed) { try channel.tryReceive() }
  }

  @Test func selectPicksTheReadyCase() async throws {
    let a = Channel<Int>(capacity: 1)
    let b = Channel<String>(capacity: 1)
    try await b.send("b")
    let result = try await select {
      onReceive(a) { value in "a \(value ?? -1)" }
      onReceive(b) { value in "b \(value ?? "?")" }
    }
    #expect(result == "b b")
    #expect(try a.tryReceive() == nil)
  }

  @Test func selectDefaultAndTimeout() async throws {
    let a = Channel<Int>()
    let viaDefault = try await select {
      onReceive(a) { _ in 1 }
      onDefault { 2 }
    }
    #expect(viaDefault == 2)
    let viaTimeout = try await select {
      onReceive(a) { _ in 1 }
      onTimeout(.milliseconds(10)) { 3 }
    }
    #expect(viaTimeout == 3)
  }

  @Test func selectWaitsForASender() async throws {
    let a = Channel<Int>()
    let b = Channel<Int>()
    async let sent: Void = b.send(7)
    let result = try await select {
      onReceive(a) { value in value! * 10 }
      onReceive(b) { value in value! }
    }
    try await sent
    #expect(result == 7)
  }
}
