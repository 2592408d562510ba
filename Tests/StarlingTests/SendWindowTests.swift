import Foundation
import Logging
import NIOCore
import NIOEmbedded
import Testing

import struct StarlingChannels.Lock

@testable import Starling

/// The send window: a pipe whose connection cannot keep up takes no more than its window, so a
/// fast sender waits in `send` instead of growing memory; and nothing is lost or reordered when
/// the connection writes again.
@Suite(.timeLimit(.minutes(5))) struct SendWindowTests {
  /// A message of a fixed size with a sequence number.
  static func numbered(_ n: Int) -> Message {
    Message(string: String(repeating: "0", count: max(0, 8 - String(n).count)) + String(n))
  }

  /// How many messages like ``numbered(_:)`` a pipe takes before it is full: the last one takes
  /// its queue to its share of the window or past it.
  static func capacity(of pipe: NIOPipe) -> Int {
    let frame = NIOPipe.frameSize(numbered(0))
    return (pipe.queueLimit + frame - 1) / frame
  }

  @Test func aPipeTakesItsWindowThenSaysItIsFullUntilItsConnectionWrites() async throws {
    let channel = NIOAsyncTestingChannel()
    let owner = RecordingOwner()
    let pipe = try await channel.testingEventLoop.executeInContext {
      NIOPipe(
        id: .next(), channel: channel, transportName: "test", owner: owner, sendWindow: 1000,
        framing: .messages)
    }
    #expect(pipe.queueLimit == 500)
    let marks = try await channel.getOption(ChannelOptions.writeBufferWaterMark).get()
    #expect(marks.high == 500 && marks.low == 250)

    // Writes from within a task on the event loop: the drain they schedule waits until the loop
    // runs again, so nothing is written to the channel, and the pipe fills up.
    let written = try await channel.testingEventLoop.executeInContext {
      var written = 0
      while owner.reports.isEmpty, written < 1000 {
        pipe.write(Self.numbered(written))
        written += 1
      }
      return written
    }
    #expect(written == Self.capacity(of: pipe))
    #expect(owner.reports == [false])

    // The event loop writes the queue out: the pipe takes messages again, and they left in order.
    await channel.testingEventLoop.run()
    #expect(owner.reports == [false, true])
    for n in 0..<written {
      #expect(try await channel.readOutbound(as: Message.self)?.string == Self.numbered(n).string)
    }

    // The channel's own writability (its buffer against the water marks) counts too, and what
    // is queued while the channel cannot write waits in the queue until it can.
    channel.isWritable = false
    try await channel.testingEventLoop.executeInContext {
      pipe.channelWritabilityChanged()
      pipe.write(Self.numbered(written))
    }
    await channel.testingEventLoop.run()
    #expect(owner.reports == [false, true, false])
    #expect(try await channel.readOutbound(as: Message.self) == nil)
    channel.isWritable = true
    try await channel.testingEventLoop.executeInContext { pipe.channelWritabilityChanged() }
    #expect(owner.reports == [false, true, false, true])
    #expect(try await channel.readOutbound(as: Message.self)?.string == Self.numbered(written).string)
  }

  @Test func anEmptyPipeTakesAMessageLargerThanItsWindow() async throws {
    let channel = NIOAsyncTestingChannel()
    let owner = RecordingOwner()
    let pipe = try await channel.testingEventLoop.executeInContext {
      NIOPipe(
        id: .next(), channel: channel, transportName: "test", owner: owner, sendWindow: 0, framing: .messages)
    }
    try await channel.testingEventLoop.executeInContext {
      pipe.write(Message(string: String(repeating: "x", count: 4096)))
    }
    #expect(owner.reports == [false])
    await channel.testingEventLoop.run()
    #expect(owner.reports == [false, true])
    #expect(try await channel.readOutbound(as: Message.self)?.body.readableBytes == 4096)
  }

  @Test(arguments: ["tcp", "ipc"])
  func aSenderThatOutrunsItsPeerIsHeldToTheWindowAndLosesNothing(transport: String) async throws {
    var options = SocketOptions()
    options.sendWindow = 4096
    options.receiveBufferSize = 8
    let pull = Pull0(options: options)
    let push = Push0(options: options)
    defer {
      push.close()
      pull.close()
    }
    let url =
      transport == "ipc"
      ? "ipc://" + NSTemporaryDirectory() + "st-window-\(UUID().uuidString.prefix(12)).sock"
      : "tcp://127.0.0.1:0"
    let bound = try await pull.listen(url).address
    try await push.dial(bound.url)
    for await event in pull.pipeEvents() {
      if case .added = event { break }
    }

    // Nobody receives: the push sends until a send would have to wait (a zero timeout). What it
    // took is then in its pipe (the window), in the kernel's buffers, or read ahead by the pull
    // (one read of up to maxMessagesPerRead 64 KiB buffers, and a second before it pauses), and
    // in the pull's receive queue.
    var sent = 0
    do {
      while sent < 1_000_000 {
        try await push.core.send(Self.numbered(sent), timeout: .zero)
        sent += 1
      }
    } catch SPError.timedOut {}
    let pushChannel = try #require(push.core.state.withLock { $0.pipes.values.first } as? NIOPipe).channel
    let pullChannel = try #require(pull.core.state.withLock { $0.pipes.values.first } as? NIOPipe).channel
    let sendBuffer = try await pushChannel.getOption(ChannelOptions.socketOption(.so_sndbuf)).get()
    let receiveBuffer = try await pullChannel.getOption(ChannelOptions.socketOption(.so_rcvbuf)).get()
    let readAhead = try await 2 * pullChannel.getOption(ChannelOptions.maxMessagesPerRead).get() * 65536
    let kernel = Int(sendBuffer) + (transport == "ipc" ? 0 : Int(receiveBuffer))
    let frame = NIOPipe.frameSize(Self.numbered(0))
    let most = (options.sendWindow + kernel + Int(readAhead)) / frame + options.receiveBufferSize + 1
    #expect(sent >= 1)
    #expect(sent <= most, "\(sent) messages taken; at most \(most) fit (kernel buffers \(kernel) bytes)")

    // The pull receives again; the push goes on, waiting whenever the pull (which holds only 8
    // messages before it stops reading) falls behind. Everything arrives, in order.
    let total = sent + 2_000
    let sender = Task { [sent] in
      for n in sent..<total { try await push.send(Self.numbered(n)) }
    }
    for n in 0..<total {
      let message = try await pull.core.receive(timeout: .seconds(30))
      guard message.string == Self.numbered(n).string else {
        Issue.record("message \(n) was \(message.string)")
        break
      }
    }
    try await sender.value
  }

  @Test func tcpConnectionsHoldTheirUnsentBytesToTheWindowAndHonourNoDelay() async throws {
    var options = SocketOptions()
    options.sendWindow = 50_000
    options.tcpNoDelay = false
    let pull = Pull0(options: options)
    let push = Push0(options: options)
    defer {
      push.close()
      pull.close()
    }
    let bound = try await pull.listen("tcp://127.0.0.1:0").address
    try await push.dial(bound.url)
    var pipes = [push.core.state.withLock { $0.pipes.values.first } as? NIOPipe]
    // The listener's side is attached once its handshake is done.
    for await event in pull.pipeEvents() {
      if case .added = event { break }
    }
    pipes.append(pull.core.state.withLock { $0.pipes.values.first } as? NIOPipe)
    for pipe in pipes {
      let channel = try #require(pipe?.channel)
      let lowWater = ChannelOptions.tcpOption(.init(rawValue: CInt(TCP_NOTSENT_LOWAT)))
      #expect(try await channel.getOption(lowWater).get() == 50_000)
      #expect(try await channel.getOption(ChannelOptions.tcpOption(.tcp_nodelay)).get() == 0)
    }
  }
}

/// A pipe owner that records the writability reports it hears.
private final class RecordingOwner: PipeOwner {
  private let recorded = Lock<[Bool]>.make([])

  var reports: [Bool] { recorded.withLock { $0 } }
  var identity: SPProtocol { .push0 }
  var options: SocketOptions { SocketOptions() }
  var logger: Logger { Logger(label: "test") }
  func attach(_ pipe: any PipeConnection) -> Bool { true }
  func received(_ message: Message, on pipe: PipeID) {}
  func isReading(_ pipe: PipeID) -> Bool { true }
  func writabilityChanged(_ pipe: PipeID, writable: Bool, sequence: UInt64) {
    recorded.withLock { $0.append(writable) }
  }
  func detach(_ pipe: PipeID, reason: SPError?) {}
  func connectionFailed(_ reason: SPError, peer: String) {}
}
