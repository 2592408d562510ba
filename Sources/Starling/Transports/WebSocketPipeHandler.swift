import NIOCore
import NIOWebSocket

/// SP over an upgraded WebSocket connection: one SP message (protocol header and body) is one
/// binary WebSocket message.
///
/// Fragmented messages are reassembled; a text frame, a continuation without a start, or a
/// message over the receive limit fails the connection with an ``SPError`` saying which, after
/// a close frame with the matching status code (frame decoder errors too: the upgraders run
/// without NIO's automatic error handling). Pings are answered; a close frame is echoed
/// and the connection closed. A dialer masks what it sends, as RFC 6455 requires of clients.
final class WebSocketPipeHandler: ChannelDuplexHandler {
  typealias InboundIn = WebSocketFrame
  typealias InboundOut = ByteBuffer
  typealias OutboundIn = Message
  typealias OutboundOut = WebSocketFrame

  /// The largest message accepted; 0 for no limit.
  private let maxSize: Int
  /// Whether this is the dialing side, which masks its frames.
  private let masking: Bool
  /// The message being reassembled from fragments.
  private var partial: ByteBuffer?
  private var closing = false

  init(maxSize: Int, masking: Bool) {
    self.maxSize = maxSize
    self.masking = masking
  }

  /// The WebSocket subprotocol of an SP protocol, such as `rep.sp.nanomsg.org`.
  static func subprotocol(_ name: String) -> String { "\(name).sp.nanomsg.org" }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard !closing else { return }
    let frame = unwrapInboundIn(data)
    switch frame.opcode {
    case .binary:
      guard partial == nil else {
        fail(
          context: context, .protocolError("a new WebSocket message began before the last one ended"),
          code: .protocolError)
        return
      }
      accept(context: context, frame.unmaskedData, fin: frame.fin)
    case .continuation:
      guard partial != nil else {
        fail(
          context: context, .protocolError("a WebSocket continuation frame with no message to continue"),
          code: .protocolError)
        return
      }
      accept(context: context, frame.unmaskedData, fin: frame.fin)
    case .text:
      fail(
        context: context, .protocolError("the peer sent a WebSocket text frame; SP messages are binary"),
        code: .unacceptableData)
    case .ping:
      var pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
      if masking { pong.maskKey = .random() }
      context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
    case .connectionClose:
      closing = true
      var data = frame.unmaskedData
      let code = data.readSlice(length: min(2, data.readableBytes)) ?? ByteBuffer()
      var reply = WebSocketFrame(fin: true, opcode: .connectionClose, data: code)
      if masking { reply.maskKey = .random() }
      context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in context.close(promise: nil) }
    default:
      break  // pong and reserved opcodes
    }
  }

  private func accept(context: ChannelHandlerContext, _ data: ByteBuffer, fin: Bool) {
    var data = data
    var message: ByteBuffer
    if var buffer = partial {
      partial = nil
      buffer.writeBuffer(&data)
      message = buffer
    } else {
      message = data
    }
    if maxSize > 0, message.readableBytes > maxSize {
      fail(
        context: context, .messageTooLarge(size: message.readableBytes, limit: maxSize),
        code: .messageTooLarge)
      return
    }
    if fin {
      context.fireChannelRead(wrapInboundOut(message))
    } else {
      partial = message
    }
  }

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    let message = unwrapOutboundIn(data)
    var payload = context.channel.allocator.buffer(capacity: message.count)
    payload.writeImmutableBuffer(message.header)
    payload.writeImmutableBuffer(message.body)
    let frame = WebSocketFrame(fin: true, opcode: .binary, maskKey: masking ? .random() : nil, data: payload)
    context.write(wrapOutboundOut(frame), promise: promise)
  }

  /// Handles the frame decoder's errors itself (NIO's automatic handling closes the connection
  /// before the error reaches the pipe, which then could not say why it closed).
  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    guard let error = error as? NIOWebSocketError else {
      context.fireErrorCaught(error)
      return
    }
    guard !closing else { return }
    if error == .invalidFrameLength {
      let limit = maxSize > 0 ? "the receive limit of \(maxSize) bytes" : "the largest frame accepted"
      fail(context: context, .protocolError("a WebSocket frame longer than \(limit)"), code: .messageTooLarge)
    } else {
      fail(context: context, .protocolError("bad WebSocket frame: \(error)"), code: .protocolError)
    }
  }

  /// Sends a close frame with `code`, then reports `error` and closes.
  private func fail(context: ChannelHandlerContext, _ error: SPError, code: WebSocketErrorCode) {
    closing = true
    partial = nil
    var data = context.channel.allocator.buffer(capacity: 2)
    data.write(webSocketErrorCode: code)
    let frame = WebSocketFrame(
      fin: true, opcode: .connectionClose, maskKey: masking ? .random() : nil, data: data)
    context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    context.fireErrorCaught(error)
    context.close(promise: nil)
  }
}
