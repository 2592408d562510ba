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

/// How SP frames leave a stream connection (tcp, tls+tcp, ipc): each message's payload size
/// (ipc: a type byte first), then its header and body.
///
/// The pipe encodes a whole batch at once: small messages are copied one after another into
/// one buffer, so a batch of them costs one allocation and one write, not one of each per
/// message; a body larger than ``copyThreshold`` is handed on as it is, after its prefix.
enum SPFrameEncoder {
  /// Bodies up to this size are copied into the batch's buffer.
  static let copyThreshold = 1024

  /// Frames `messages` in order, handing `emit` each buffer to write, in order.
  static func encode(
    _ messages: some Collection<Message>, ipc: Bool, allocator: ByteBufferAllocator,
    emit: (ByteBuffer) -> Void
  ) {
    let prefixSize = ipc ? 9 : 8
    // The bytes the batch's buffers take: every prefix and header, and the bodies copied.
    var copied = 0
    for message in messages {
      let body = message.body.readableBytes
      copied += prefixSize + message.header.readableBytes + (body <= copyThreshold ? body : 0)
    }
    var pending: ByteBuffer?
    for message in messages {
      var buffer: ByteBuffer
      if let taken = pending {
        buffer = taken
        pending = nil  // `buffer` is then the only reference: writing to it copies nothing
      } else {
        buffer = allocator.buffer(capacity: copied)
      }
      let start = buffer.writerIndex
      writePrefix(into: &buffer, ipc: ipc, payloadSize: message.count)
      buffer.writeImmutableBuffer(message.header)
      if message.body.readableBytes <= copyThreshold {
        buffer.writeImmutableBuffer(message.body)
        pending = buffer
      } else {
        emit(buffer)
        emit(message.body)
      }
      copied -= buffer.writerIndex - start
    }
    if let pending { emit(pending) }
  }

  static func writePrefix(into buffer: inout ByteBuffer, ipc: Bool, payloadSize: Int) {
    if ipc { buffer.writeInteger(UInt8(1)) }
    buffer.writeInteger(UInt64(payloadSize), endianness: .big)
  }
}
