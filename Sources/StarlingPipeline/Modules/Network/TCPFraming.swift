import NIOCore
import StarlingNetwork

/// How `input.tcp` and `output.tcp` cut a byte stream into messages.
enum TCPFraming: String, Sendable {
  /// One message per line: ends at `\n`; a `\r` before it is stripped.
  case line
  /// Each message is preceded by its length, 4 bytes big-endian.
  case length

  /// The bytes to write for one message.
  func frame(_ bytes: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
    var buffer = allocator.buffer(capacity: bytes.count + 4)
    switch self {
    case .line:
      buffer.writeBytes(bytes)
      buffer.writeInteger(UInt8(ascii: "\n"))
    case .length:
      buffer.writeInteger(UInt32(truncatingIfNeeded: bytes.count), endianness: .big)
      buffer.writeBytes(bytes)
    }
    return buffer
  }
}

/// Why a TCP connection was cut off while reading a frame.
enum TCPFrameError: Error, Hashable, CustomStringConvertible {
  /// A frame (or a line without its end yet) is longer than the limit.
  case frameTooLong(size: Int, limit: Int)
  /// The connection ended in the middle of a frame.
  case truncated(bytes: Int)

  var description: String {
    switch self {
    case .frameTooLong(let size, let limit):
      return "frame of \(size) bytes or more exceeds max_frame (\(limit) bytes)"
    case .truncated(let bytes):
      return "connection ended in the middle of a frame (\(bytes) bytes discarded)"
    }
  }
}

/// Cuts a TCP byte stream into frames: lines or length-prefixed messages, each at most
/// `maxFrame` bytes. A longer frame, or a connection that ends mid-frame, is an error.
///
/// With `reportsProgress`, each batch of frames it cuts is reported to a
/// ``ConnectionTimeoutHandler`` as ``ConnectionProgress/messagesReceived(partial:)``.
struct TCPFrameDecoder: ByteToMessageDecoder {
  typealias InboundOut = ByteBuffer

  let framing: TCPFraming
  let maxFrame: Int
  let reportsProgress: Bool
  /// Whether frames were cut since the last report.
  private var cut = false

  init(framing: TCPFraming, maxFrame: Int, reportsProgress: Bool = false) {
    self.framing = framing
    self.maxFrame = maxFrame
    self.reportsProgress = reportsProgress
  }

  mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
    let state = try cutFrame(context: context, buffer: &buffer)
    guard reportsProgress else { return state }
    if state == .continue { cut = true }
    // Reported once the bytes run out: NIO does not call again for an empty buffer.
    if cut, state == .needMoreData || buffer.readableBytes == 0 {
      cut = false
      context.triggerUserOutboundEvent(
        ConnectionProgress.messagesReceived(partial: buffer.readableBytes > 0), promise: nil)
    }
    return state
  }

  private func cutFrame(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
    switch framing {
    case .line:
      let view = buffer.readableBytesView
      guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
        if buffer.readableBytes > maxFrame {
          throw TCPFrameError.frameTooLong(size: buffer.readableBytes, limit: maxFrame)
        }
        return .needMoreData
      }
      var length = view.distance(from: view.startIndex, to: newline)
      let lineLength = length
      if length > 0, view[view.index(before: newline)] == UInt8(ascii: "\r") { length -= 1 }
      if length > maxFrame { throw TCPFrameError.frameTooLong(size: length, limit: maxFrame) }
      let line = buffer.getSlice(at: buffer.readerIndex, length: length)!
      buffer.moveReaderIndex(forwardBy: lineLength + 1)
      context.fireChannelRead(wrapInboundOut(line))
      return .continue
    case .length:
      guard let size = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else {
        return .needMoreData
      }
      if Int(size) > maxFrame { throw TCPFrameError.frameTooLong(size: Int(size), limit: maxFrame) }
      guard buffer.readableBytes >= 4 + Int(size) else { return .needMoreData }
      buffer.moveReaderIndex(forwardBy: 4)
      let message = buffer.readSlice(length: Int(size))!
      context.fireChannelRead(wrapInboundOut(message))
      return .continue
    }
  }

  mutating func decodeLast(
    context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
  ) throws -> DecodingState {
    while try decode(context: context, buffer: &buffer) == .continue {}
    if buffer.readableBytes > 0 {
      let left = buffer.readableBytes
      buffer.moveReaderIndex(forwardBy: left)
      throw TCPFrameError.truncated(bytes: left)
    }
    return .needMoreData
  }
}
