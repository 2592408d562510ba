import NIOCore
import NIOEmbedded
import NIOHTTP1
import StarlingChannels
import StarlingNetwork
import Synchronization
import Testing

@testable import StarlingPipeline

/// The listening inputs' connection timeouts and cap, without sockets: the state machine
/// driven with plain times, the handlers on embedded channels whose clock the test moves.
@Suite(.timeLimit(.minutes(2)))
struct ConnectionDeadlineTests {
  static let timeouts = ConnectionTimeouts(idle: .seconds(60), head: .seconds(10), body: .seconds(30))

  static func at(_ seconds: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(seconds) * 1_000_000_000) }

  // MARK: The state machine

  @Test func aNewConnectionHasItsIdleTimeThenItsHeadTimeFromTheFirstByte() {
    var machine = ConnectionDeadlineStateMachine(timeouts: Self.timeouts, now: Self.at(0))
    #expect(machine.deadline == Self.at(60))
    machine.bytesReceived(at: Self.at(5))
    #expect(machine.wait == .head)
    #expect(machine.deadline == Self.at(15))
  }

  /// The deadline bounds the whole head, not the gap between bytes.
  @Test func aByteASecondDoesNotMoveTheDeadline() {
    var machine = ConnectionDeadlineStateMachine(timeouts: Self.timeouts, now: Self.at(0))
    for second in Int64(0)..<10 {
      machine.bytesReceived(at: Self.at(second))
      #expect(machine.expired(at: Self.at(second)) == nil)
    }
    #expect(machine.expired(at: Self.at(10)) == .head)
  }

  @Test func tcpFramesEndTheHeadWaitOrStartTheNextOne() {
    var machine = ConnectionDeadlineStateMachine(timeouts: Self.timeouts, now: Self.at(0))
    machine.bytesReceived(at: Self.at(1))
    machine.progress(.messagesReceived(partial: false), at: Self.at(2))
    #expect(machine.wait == .idle && machine.deadline == Self.at(62))
    machine.bytesReceived(at: Self.at(3))
    machine.progress(.messagesReceived(partial: true), at: Self.at(4))
    #expect(machine.wait == .head && machine.deadline == Self.at(14))
  }

  @Test func anHTTPRequestGoesFromHeadToBodyToAnUntimedAnswer() {
    var machine = ConnectionDeadlineStateMachine(timeouts: Self.timeouts, now: Self.at(0))
    machine.bytesReceived(at: Self.at(1))
    machine.progress(.headReceived, at: Self.at(2))
    #expect(machine.wait == .body && machine.deadline == Self.at(32))
    #expect(machine.expired(at: Self.at(32)) == .body)
    machine.progress(.requestReceived, at: Self.at(3))
    #expect(machine.wait == .answer && machine.deadline == nil)
    #expect(machine.expired(at: Self.at(10_000)) == nil)
    machine.progress(.answerSent, at: Self.at(100))
    #expect(machine.wait == .idle && machine.deadline == Self.at(160))
  }

  @Test func bytesOfANextRequestWhileAnsweringStartItsHeadWhenTheAnswerIsSent() {
    var machine = ConnectionDeadlineStateMachine(timeouts: Self.timeouts, now: Self.at(0))
    machine.bytesReceived(at: Self.at(0))
    machine.progress(.requestReceived, at: Self.at(1))
    machine.bytesReceived(at: Self.at(2))
    #expect(machine.wait == .answer)
    machine.progress(.answerSent, at: Self.at(5))
    #expect(machine.wait == .head && machine.deadline == Self.at(15))
    machine.progress(.requestReceived, at: Self.at(6))
    machine.progress(.answerSent, at: Self.at(7))
    #expect(machine.wait == .idle)
  }

  /// While the server does not read (its outbox is full), the client is not waiting on
  /// itself: that time does not count.
  @Test func timeTheServerIsNotReadingDoesNotCount() {
    var machine = ConnectionDeadlineStateMachine(timeouts: Self.timeouts, now: Self.at(0))
    machine.bytesReceived(at: Self.at(0))
    machine.readingPaused(at: Self.at(4))
    #expect(machine.deadline == nil)
    #expect(machine.expired(at: Self.at(100)) == nil)
    machine.readingResumed(at: Self.at(100))
    #expect(machine.deadline == Self.at(106))
    // A pause that began before the current wait counts only from the wait's start.
    machine.readingPaused(at: Self.at(101))
    machine.progress(.messagesReceived(partial: true), at: Self.at(110))
    machine.readingResumed(at: Self.at(112))
    #expect(machine.deadline == Self.at(122))
  }

  @Test func zeroTurnsATimeoutOff() {
    var machine = ConnectionDeadlineStateMachine(
      timeouts: ConnectionTimeouts(idle: .zero, head: .seconds(1)), now: Self.at(0))
    #expect(machine.deadline == nil)
    machine.bytesReceived(at: Self.at(0))
    #expect(machine.deadline == Self.at(1))
  }

  @Test func reportsAreRateLimitedAndCountWhatTheyLeftOut() {
    var limit = ReportRateLimit(interval: .seconds(60))
    #expect(limit.record(at: Self.at(0)) == 1)
    for second in Int64(1)...5 { #expect(limit.record(at: Self.at(second)) == nil) }
    #expect(limit.record(at: Self.at(60)) == 6)
    #expect(limit.record(at: Self.at(61)) == nil)
  }

  // MARK: The handlers

  /// An embedded connection with a ``ConnectionTimeoutHandler`` and the handlers behind it;
  /// `expired` records what ran out.
  static func connection(
    _ timeouts: ConnectionTimeouts, farewell: [UInt8] = [], behind: [any ChannelHandler] = []
  ) throws -> (EmbeddedChannel, EmbeddedEventLoop, () -> [ConnectionDeadlineStateMachine.Wait]) {
    let loop = EmbeddedEventLoop()
    var expired: [ConnectionDeadlineStateMachine.Wait] = []
    let handler = ConnectionTimeoutHandler(timeouts: timeouts) { wait in
      expired.append(wait)
      return wait == .idle ? [] : farewell
    }
    let channel = EmbeddedChannel(handlers: [handler] + behind, loop: loop)
    try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
    return (channel, loop, { expired })
  }

  static func bytes(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

  /// What autoRead does after each read: ask for more.
  static func deliver(_ text: String, to channel: EmbeddedChannel) throws {
    try channel.writeInbound(bytes(text))
    channel.read()
  }

  @Test func aSlowHTTPHeadGets408AndTheConnectionCloses() throws {
    let (channel, loop, expired) = try Self.connection(
      ConnectionTimeouts(idle: .seconds(60), head: .seconds(10)),
      farewell: Array("HTTP/1.1 408 Request Timeout\r\ncontent-length: 4\r\n\r\nslow".utf8),
      behind: [Swallow()])
    for second in 0..<9 {
      try Self.deliver(second == 0 ? "GET / HTTP/1.1\r\n" : "x", to: channel)
      loop.advanceTime(by: .seconds(1))
    }
    #expect(channel.isActive)
    #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
    loop.advanceTime(by: .seconds(1))
    let written = try #require(try channel.readOutbound(as: ByteBuffer.self))
    #expect(String(buffer: written).hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
    #expect(String(buffer: written).hasSuffix("\r\n\r\nslow"))
    #expect(!channel.isActive)
    #expect(expired() == [.head])
  }

  @Test func anIdleConnectionClosesWithoutAWord() throws {
    let (channel, loop, expired) = try Self.connection(
      ConnectionTimeouts(idle: .seconds(5), head: .seconds(10)), farewell: Array("no".utf8))
    loop.advanceTime(by: .seconds(4))
    #expect(channel.isActive)
    loop.advanceTime(by: .seconds(1))
    #expect(!channel.isActive)
    #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
    #expect(expired() == [.idle])
  }

  @Test func framesKeepATCPConnectionAliveAndAPartialOneIsTimed() throws {
    let decoder = ByteToMessageHandler(TCPFrameDecoder(framing: .line, maxFrame: 100, reportsProgress: true))
    let (channel, loop, expired) = try Self.connection(
      ConnectionTimeouts(idle: .seconds(5), head: .seconds(3)), behind: [decoder])
    for _ in 0..<10 {
      loop.advanceTime(by: .seconds(4))
      try Self.deliver("line\n", to: channel)
    }
    #expect(channel.isActive)
    #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "line")
    try Self.deliver("end\npart", to: channel)
    loop.advanceTime(by: .seconds(2))
    try Self.deliver("ial", to: channel)
    loop.advanceTime(by: .seconds(1))
    #expect(!channel.isActive)
    #expect(expired() == [.head])
  }

  @Test func theServerNotReadingStopsTheClock() throws {
    let (channel, loop, expired) = try Self.connection(
      ConnectionTimeouts(idle: .seconds(5), head: .seconds(3)))
    // Bytes arrive, and then nobody asks for more (backpressure): no timeout runs.
    try channel.writeInbound(Self.bytes("partial"))
    loop.advanceTime(by: .seconds(60))
    #expect(channel.isActive)
    channel.read()
    loop.advanceTime(by: .seconds(2))
    #expect(channel.isActive)
    loop.advanceTime(by: .seconds(1))
    #expect(!channel.isActive)
    #expect(expired() == [.head])
  }

  @Test func connectionsPastTheCapAreClosedAtOnceAndLoggedOncePerInterval() throws {
    let loop = EmbeddedEventLoop()
    let lines = LogLines()
    let limiter = ConnectionLimiter(limit: 2, reportInterval: .seconds(60)) { lines.append($0) }
    let server = EmbeddedChannel(handler: limiter, loop: loop)
    let connections = (0..<5).map { _ in EmbeddedChannel(loop: loop) }
    for connection in connections {
      try connection.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
      try server.writeInbound(connection as any NIOCore.Channel)
    }
    #expect(connections.map(\.isActive) == [true, true, false, false, false])
    #expect(lines.all == ["refused 1 connection: 2 are open, the most max_connections allows"])
    #expect(limiter.count.open.load(ordering: .relaxed) == 2)
    // One closes: the next is served.
    _ = try connections[0].finish()
    let next = EmbeddedChannel(loop: loop)
    try next.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
    try server.writeInbound(next as any NIOCore.Channel)
    #expect(next.isActive)
    loop.advanceTime(by: .seconds(60))
    let refused = EmbeddedChannel(loop: loop)
    try refused.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
    try server.writeInbound(refused as any NIOCore.Channel)
    #expect(!refused.isActive)
    #expect(lines.all.last == "refused 3 connections: 2 are open, the most max_connections allows")
  }
}

/// Takes every byte and passes nothing on (an HTTP decoder that never completes a head).
final class Swallow: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

/// Log lines a test collects.
final class LogLines: Sendable {
  private let lines = Lock.make([String]())
  func append(_ line: String) { lines.withLock { $0.append(line) } }
  var all: [String] { lines.withLock { $0 } }
}
