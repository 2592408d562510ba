import NIOCore

/// Sent down the pipeline when the SP connection header exchange succeeds.
struct SPHandshakeCompleted: Sendable {
  /// The protocol number the peer announced.
  let peerProtocol: UInt16
}

/// Exchanges the 8-byte SP connection header (`00 53 50 00 | protocol | 00 00`).
///
/// Both sides send their header at once without waiting. The handler checks the peer's header
/// and protocol, fires ``SPHandshakeCompleted``, passes on any bytes that followed the header
/// and removes itself. A malformed header, a protocol that cannot talk to ours, or no header
/// within the timeout fails the connection with an ``SPError`` naming the cause.
///
/// The timeout is scheduled on the connection's event loop, in real time, not on the socket's
/// ``SocketOptions/clock``: it guards a real connection against a silent peer, which a test's
/// manual clock standing still must not turn into a wait without end, and it costs no task
/// and no hop per connection. A transport without NIO connections (a virtual network) would
/// time its handshake on the socket's clock instead.
final class SPHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = ByteBuffer

  /// The header's size on the wire.
  static let headerSize = 8

  private let own: SPProtocol
  private let timeout: TimeAmount
  private var received = ByteBuffer()
  private var timer: Scheduled<Void>?
  private var started = false
  private var done = false

  init(protocol own: SPProtocol, timeout: TimeAmount) {
    self.own = own
    self.timeout = timeout
  }

  /// The header a socket of this protocol sends.
  static func header(for proto: SPProtocol) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeBytes([0x00, 0x53, 0x50, 0x00])
    buffer.writeInteger(proto.number, endianness: .big)
    buffer.writeBytes([0x00, 0x00])
    return buffer
  }

  /// Checks a peer's 8-byte header. Returns the peer's protocol number.
  static func validate(_ header: ByteBuffer, for own: SPProtocol) -> Result<UInt16, SPError> {
    let bytes = Array(header.readableBytesView.prefix(headerSize))
    guard bytes.count == headerSize, bytes[0] == 0, bytes[1] == 0x53, bytes[2] == 0x50, bytes[3] == 0 else {
      let shown = bytes.map { String($0, radix: 16) }.joined(separator: " ")
      return .failure(.protocolError("the peer sent no SP header (got \(shown))"))
    }
    guard bytes[6] == 0, bytes[7] == 0 else {
      return .failure(.protocolError("the SP header's reserved bytes are not zero"))
    }
    let peer = UInt16(bytes[4]) << 8 | UInt16(bytes[5])
    guard peer == own.peerNumber else {
      return .failure(.peerMismatch(expected: own.peerNumber, actual: peer))
    }
    return .success(peer)
  }

  func handlerAdded(context: ChannelHandlerContext) {
    if context.channel.isActive { start(context: context) }
  }

  func channelActive(context: ChannelHandlerContext) {
    start(context: context)
    context.fireChannelActive()
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    timer?.cancel()
  }

  private func start(context: ChannelHandlerContext) {
    guard !started else { return }
    started = true
    context.writeAndFlush(NIOAny(Self.header(for: own)), promise: nil)
    let timeout = self.timeout
    let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
    timer = context.eventLoop.scheduleTask(in: timeout) {
      let context = loopBound.value
      context.fireErrorCaught(SPError.protocolError("no SP header from the peer within \(timeout)"))
      context.close(promise: nil)
    }
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard !done else {
      context.fireChannelRead(data)
      return
    }
    var bytes = unwrapInboundIn(data)
    received.writeBuffer(&bytes)
    // Fail early on garbage: the first four bytes are known before the whole header arrives.
    let magic: [UInt8] = [0x00, 0x53, 0x50, 0x00]
    let seen = Array(received.readableBytesView.prefix(4))
    guard seen == Array(magic.prefix(seen.count)) else {
      fail(context: context, .protocolError("the peer sent no SP header (got \(Self.describe(received)))"))
      return
    }
    guard received.readableBytes >= Self.headerSize else { return }
    let header = received.readSlice(length: Self.headerSize)!
    switch Self.validate(header, for: own) {
    case .failure(let error):
      fail(context: context, error)
    case .success(let peer):
      done = true
      timer?.cancel()
      context.fireUserInboundEventTriggered(SPHandshakeCompleted(peerProtocol: peer))
      if received.readableBytes > 0 {
        context.fireChannelRead(wrapInboundOut(received))
      }
      received = ByteBuffer()
      context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
  }

  private func fail(context: ChannelHandlerContext, _ error: SPError) {
    done = true
    timer?.cancel()
    context.fireErrorCaught(error)
    context.close(promise: nil)
  }

  /// The first bytes of what the peer sent, as a quoted string with escapes.
  private static func describe(_ buffer: ByteBuffer) -> String {
    let shown = buffer.readableBytesView.prefix(16).map { byte in
      (0x20..<0x7f).contains(byte)
        ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16).uppercased()
    }
    return "\"" + shown.joined() + "\""
  }
}
