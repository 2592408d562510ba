import NIOCore
import NIOEmbedded
import Testing

@testable import Starling

@Suite(.timeLimit(.minutes(5))) struct WireCodecTests {
  /// Records what reaches the end of the pipeline.
  final class Sink: ChannelInboundHandler, @unchecked Sendable {
    // Only touched on the EmbeddedChannel's loop, which is the test's own thread.
    typealias InboundIn = ByteBuffer
    var events: [SPHandshakeCompleted] = []
    var errors: [any Error] = []
    var reads: [[UInt8]] = []
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
      if let event = event as? SPHandshakeCompleted { events.append(event) }
    }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      reads.append(Array(unwrapInboundIn(data).readableBytesView))
    }
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
      errors.append(error)
    }
  }

  func handshakeChannel(_ proto: SPProtocol) throws -> (EmbeddedChannel, Sink) {
    let sink = Sink()
    let channel = EmbeddedChannel()
    try channel.pipeline.syncOperations.addHandlers([
      SPHandshakeHandler(protocol: proto, timeout: .seconds(10)), sink,
    ])
    try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    return (channel, sink)
  }

  @Test func headerBytesAreNngs() {
    #expect(
      Array(SPHandshakeHandler.header(for: .req0).readableBytesView) == [0, 0x53, 0x50, 0, 0, 0x30, 0, 0])
    #expect(
      Array(SPHandshakeHandler.header(for: .bus0).readableBytesView) == [0, 0x53, 0x50, 0, 0, 0x70, 0, 0])
  }

  @Test func handshakeSendsAtOnceAndPassesLeftoverBytes() throws {
    let (channel, sink) = try handshakeChannel(.rep0)
    let sent = try #require(try channel.readOutbound(as: ByteBuffer.self))
    #expect(Array(sent.readableBytesView) == [0, 0x53, 0x50, 0, 0, 0x31, 0, 0])
    // The peer's header arrives in two pieces, followed by the start of a frame.
    try channel.writeInbound(ByteBuffer(bytes: [0, 0x53, 0x50]))
    #expect(sink.events.isEmpty)
    try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0x30, 0, 0, 9, 9]))
    #expect(sink.events.map(\.peerProtocol) == [0x30])
    #expect(sink.reads == [[9, 9]])
    #expect(sink.errors.isEmpty)
    #expect(channel.isActive)
  }

  @Test func garbageInsteadOfAHeaderClosesAtOnce() throws {
    let (channel, sink) = try handshakeChannel(.rep0)
    try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n"))
    let error = try #require(sink.errors.first as? SPError)
    guard case .protocolError(let reason) = error else {
      Issue.record("\(error)")
      return
    }
    #expect(reason.contains("no SP header") && reason.contains("GET"))
    #expect(!channel.isActive)
  }

  @Test func wrongPeerProtocolIsAMismatch() throws {
    let (channel, sink) = try handshakeChannel(.req0)
    try channel.writeInbound(ByteBuffer(bytes: [0, 0x53, 0x50, 0, 0, 0x21, 0, 0]))  // a sub0
    #expect(sink.errors.first as? SPError == .peerMismatch(expected: 0x31, actual: 0x21))
    #expect("\(sink.errors.first!)".contains("sub"))
    #expect(!channel.isActive)
  }

  @Test func nonZeroReservedBytesAreRejected() throws {
    let (channel, sink) = try handshakeChannel(.pull0)
    try channel.writeInbound(ByteBuffer(bytes: [0, 0x53, 0x50, 0, 0, 0x50, 0, 1]))
    #expect(sink.errors.count == 1)
    #expect(!channel.isActive)
  }

  @Test func handshakeThatNeverComesTimesOut() throws {
    let sink = Sink()
    let channel = EmbeddedChannel()
    try channel.pipeline.syncOperations.addHandlers([
      SPHandshakeHandler(protocol: .pair1, timeout: .seconds(10)), sink,
    ])
    try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    channel.embeddedEventLoop.advanceTime(by: .seconds(9))
    #expect(channel.isActive)
    channel.embeddedEventLoop.advanceTime(by: .seconds(2))
    #expect("\(try #require(sink.errors.first))".contains("no SP header"))
    #expect(!channel.isActive)
  }

  func decoderChannel(ipc: Bool, maxSize: Int) throws -> (EmbeddedChannel, Sink) {
    let sink = Sink()
    let channel = EmbeddedChannel()
    try channel.pipeline.syncOperations.addHandlers([
      ByteToMessageHandler(SPFrameDecoder(ipc: ipc, maxSize: maxSize)), sink,
    ])
    return (channel, sink)
  }

  func frame(_ payload: [UInt8], ipc: Bool = false) -> ByteBuffer {
    var buffer = ByteBuffer()
    SPFrameEncoder.writePrefix(into: &buffer, ipc: ipc, payloadSize: payload.count)
    buffer.writeBytes(payload)
    return buffer
  }

  @Test(arguments: [false, true])
  func framesSplitAnywhereAreReassembled(ipc: Bool) throws {
    let (channel, sink) = try decoderChannel(ipc: ipc, maxSize: 1024)
    var stream = frame([1, 2, 3], ipc: ipc)
    var second = frame([], ipc: ipc)
    var third = frame(Array(repeating: 7, count: 300), ipc: ipc)
    stream.writeBuffer(&second)
    stream.writeBuffer(&third)
    while stream.readableBytes > 0 {
      try channel.writeInbound(stream.readSlice(length: min(5, stream.readableBytes))!)
    }
    #expect(sink.reads == [[1, 2, 3], [], Array(repeating: 7, count: 300)])
    #expect(sink.errors.isEmpty)
  }

  @Test func oversizeFrameIsRejectedBeforeItArrives() throws {
    let (channel, sink) = try decoderChannel(ipc: false, maxSize: 100)
    var header = ByteBuffer()
    SPFrameEncoder.writePrefix(into: &header, ipc: false, payloadSize: 101)
    try channel.writeInbound(header)
    #expect(sink.errors.first as? SPError == .messageTooLarge(size: 101, limit: 100))
    #expect(sink.reads.isEmpty)
  }

  @Test func hugeLengthWithoutALimitIsStillRejected() throws {
    let (channel, sink) = try decoderChannel(ipc: false, maxSize: 0)
    var header = ByteBuffer()
    header.writeInteger(UInt64.max, endianness: .big)
    try channel.writeInbound(header)
    #expect(sink.errors.first is SPError)
  }

  @Test func wrongIPCTypeByteIsAProtocolError() throws {
    let (channel, sink) = try decoderChannel(ipc: true, maxSize: 100)
    var bad = frame([1], ipc: true)
    bad.setInteger(UInt8(2), at: 0)
    try channel.writeInbound(bad)
    #expect("\(try #require(sink.errors.first))".contains("ipc frame type 2"))
  }

  @Test func connectionEndingMidFrameSaysSo() throws {
    let (channel, sink) = try decoderChannel(ipc: false, maxSize: 100)
    var partial = frame([1, 2, 3, 4, 5, 6])
    partial.moveWriterIndex(to: partial.writerIndex - 2)
    try channel.writeInbound(partial)
    channel.pipeline.fireChannelInactive()
    #expect("\(try #require(sink.errors.first))".contains("ended in the middle of a 6-byte message"))
  }

  /// A batch's small messages share one buffer; a large body goes on as it is, after its
  /// prefix (and header), and the messages after it start a new buffer.
  @Test func encoderFramesABatchIntoSharedBuffersAndLeavesLargeBodiesUncopied() throws {
    var first = Message(string: "hi")
    first.header.writeInteger(UInt32(0x8000_0001), endianness: .big)
    let large = Message(Array(repeating: UInt8(3), count: 5000))
    let last = Message(string: "yo")
    var emitted: [ByteBuffer] = []
    SPFrameEncoder.encode(
      [first, Message(string: "a"), large, last], ipc: true, allocator: ByteBufferAllocator()
    ) {
      emitted.append($0)
    }
    #expect(emitted.count == 3)
    #expect(
      Array(emitted[0].readableBytesView)
        == [1, 0, 0, 0, 0, 0, 0, 0, 6, 0x80, 0, 0, 1, 0x68, 0x69] + [1, 0, 0, 0, 0, 0, 0, 0, 1, 0x61]
        + [1, 0, 0, 0, 0, 0, 0, 0x13, 0x88])
    #expect(emitted[1] == large.body, "the large body itself, not a copy")
    #expect(Array(emitted[2].readableBytesView) == [1, 0, 0, 0, 0, 0, 0, 0, 2, 0x79, 0x6f])

    var tcp: [ByteBuffer] = []
    SPFrameEncoder.encode([last], ipc: false, allocator: ByteBufferAllocator()) { tcp.append($0) }
    #expect(tcp.map { Array($0.readableBytesView) } == [[0, 0, 0, 0, 0, 0, 0, 2, 0x79, 0x6f]])
  }
}
