import NIOCore

/// Splits the byte stream of an SP connection into messages.
///
/// tcp and tls+tcp frames are `u64 length (big-endian) | payload`; ipc frames have a type byte
/// `0x01` before the length. A frame longer than the receive limit, a wrong ipc type byte, or a
/// connection that ends in the middle of a frame fails the connection with an ``SPError``
/// saying which.
struct SPFrameDecoder: ByteToMessageDecoder {
  typealias InboundOut = ByteBuffer

  /// Whether frames carry the ipc type byte.
  let ipc: Bool
  /// The largest payload accepted; 0 for no limit.
  let maxSize: Int

  private var prefixSize: Int { ipc ? 9 : 8 }

  mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
    guard let length = try frameLength(buffer) else { return .needMoreData }
    guard buffer.readableBytes >= prefixSize + length else { return .needMoreData }
    buffer.moveReaderIndex(forwardBy: prefixSize)
    context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: length)!))
    return .continue
  }

  mutating func decodeLast(
    context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
  ) throws -> DecodingState {
    while try decode(context: context, buffer: &buffer) == .continue {}
    guard buffer.readableBytes > 0 else { return .needMoreData }
    let expected =
      (try? frameLength(buffer)).flatMap { $0 }.map { "a \($0)-byte message" } ?? "a frame header"
    throw SPError.protocolError(
      "the connection ended in the middle of \(expected) (\(buffer.readableBytes) bytes received)")
  }

  /// The payload length of the frame at the reader index, or `nil` if its prefix is incomplete.
  private func frameLength(_ buffer: ByteBuffer) throws -> Int? {
    guard buffer.readableBytes >= prefixSize else { return nil }
    let start = buffer.readerIndex
    if ipc {
      let type = buffer.getInteger(at: start, as: UInt8.self)!
      guard type == 1 else {
        throw SPError.protocolError("ipc frame type \(type); only 1 (a message) exists")
      }
    }
    let length = buffer.getInteger(at: start + (ipc ? 1 : 0), endianness: .big, as: UInt64.self)!
    let limit = maxSize > 0 ? UInt64(maxSize) : UInt64(Int32.max)
    guard length <= limit else {
      throw SPError.messageTooLarge(size: Int(clamping: length), limit: Int(clamping: limit))
    }
    return Int(length)
  }
}

/// Writes SP frames: the length prefix and protocol header in one small buffer, then the body
/// as it is, so large bodies are not copied.
final class SPFrameEncoder: ChannelOutboundHandler {
  typealias OutboundIn = Message
  typealias OutboundOut = ByteBuffer

  /// Bodies up to this size are copied next to the prefix: one write is cheaper than two.
  static let copyThreshold = 1024

  private let ipc: Bool

  init(ipc: Bool) {
    self.ipc = ipc
  }

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    let message = unwrapOutboundIn(data)
    let bodySize = message.body.readableBytes
    let copyBody = bodySize <= Self.copyThreshold
    var prefix = context.channel.allocator.buffer(
      capacity: 9 + message.header.readableBytes + (copyBody ? bodySize : 0))
    Self.writePrefix(into: &prefix, ipc: ipc, payloadSize: message.count)
    prefix.writeImmutableBuffer(message.header)
    if copyBody {
      prefix.writeImmutableBuffer(message.body)
      context.write(wrapOutboundOut(prefix), promise: promise)
    } else {
      context.write(wrapOutboundOut(prefix), promise: nil)
      context.write(wrapOutboundOut(message.body), promise: promise)
    }
  }

  /// Writes the frame prefix for a payload of this size.
  static func writePrefix(into buffer: inout ByteBuffer, ipc: Bool, payloadSize: Int) {
    if ipc { buffer.writeInteger(UInt8(1)) }
    buffer.writeInteger(UInt64(payloadSize), endianness: .big)
  }
}
