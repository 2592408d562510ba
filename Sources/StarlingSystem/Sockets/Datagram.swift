import NIOCore

/// One UDP datagram: its bytes and who sent it (or, to send, where it goes).
public struct Datagram: Sendable, Hashable {
  /// The datagram's bytes.
  public var data: ByteBuffer
  /// The sender's address (and port).
  public var sender: SocketAddress

  /// A datagram of `data` from `sender`.
  public init(data: ByteBuffer, sender: SocketAddress) {
    self.data = data
    self.sender = sender
  }
}

/// Hands a UDP socket's datagrams to its queue.
final class DatagramHandler: ChannelInboundHandler {
  typealias InboundIn = AddressedEnvelope<ByteBuffer>

  private let queue: ElementQueue<Datagram>

  init(queue: ElementQueue<Datagram>) {
    self.queue = queue
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let envelope = unwrapInboundIn(data)
    queue.push(Datagram(data: envelope.data, sender: envelope.remoteAddress))
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    // A refused earlier send (an ICMP "port unreachable") and the like: UDP goes on.
  }

  func channelInactive(context: ChannelHandlerContext) {
    queue.finish()
    context.fireChannelInactive()
  }
}
