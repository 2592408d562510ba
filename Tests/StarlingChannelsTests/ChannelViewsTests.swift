import Testing

@testable import StarlingChannels

/// `SendChannel` and `ReceiveChannel`, the two ends of a channel (Go's `chan<-` and `<-chan`):
/// each does what the channel does for its direction, in plain calls and in `select`.
@Suite struct ChannelViewsTests {
  @Test func theTwoEndsCarryElementsAndTheSendingEndCloses() async throws {
    let channel = Channel<Int>(capacity: 2)
    let sender = channel.sendOnly
    let receiver = channel.receiveOnly
    #expect(sender.capacity == 2 && receiver.capacity == 2)
    try await sender.send(1)
    #expect(try sender.trySend(2))
    #expect(try sender.trySend(3) == false, "full")
    #expect(receiver.count == 2)
    #expect(try await receiver.receive() == 1)
    #expect(try receiver.tryReceive() == 2)
    #expect(try receiver.tryReceive() == nil, "empty")
    sender.close()
    #expect(sender.isClosed && receiver.isClosed && channel.isClosed)
    #expect(try await receiver.receive() == nil)
    await #expect(throws: ChannelError.closed) { try await sender.send(4) }
  }

  @Test func aReceivingEndIsAnAsyncSequence() async throws {
    func produce(into results: SendChannel<Int>) async throws {
      for value in 1...3 { try await results.send(value * value) }
      results.close()
    }
    let channel = Channel<Int>(capacity: 1)
    let producer = Task { try await produce(into: channel.sendOnly) }
    var squares: [Int] = []
    for await square in channel.receiveOnly { squares.append(square) }
    try await producer.value
    #expect(squares == [1, 4, 9])
  }

  @Test func bothEndsAreSelectCases() async throws {
    let input = Channel<Int>(capacity: 1)
    let output = Channel<Int>()
    let receiver = input.receiveOnly
    let sender = output.sendOnly

    try await input.send(7)
    let received = try await select {
      onReceive(receiver) { value in value ?? -1 }
      onSend(0, to: sender) { -2 }
    }
    #expect(received == 7, "only the receive case was ready")

    let taker = Task { try await output.receive() }
    try await eventually { waitingReceivers(output) == 1 }
    let sent: Int = try await select {
      onReceive(receiver) { value in value ?? -1 }
      onSend(8, to: sender) { 8 }
    }
    #expect(sent == 8)
    #expect(try await taker.value == 8)
    #expect(waitingReceivers(input) == 0, "the losing receive case left the channel")

    input.close()
    let closed = try await select {
      onReceive(receiver) { value in value ?? -1 }
    }
    #expect(closed == -1, "a closed, drained receiving end hands the case nil")
    sender.close()
    await #expect(throws: ChannelError.closed) {
      try await select { onSend(9, to: sender) }
    }
  }
}
