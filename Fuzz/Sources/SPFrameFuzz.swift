import NIOCore
import NIOEmbedded

@testable import Starling

/// `sp-frames`: `SPFrameDecoder` alone, fed a tcp or ipc byte stream in reads of any size.
///
/// Input: one byte of options (bit 0: ipc, bits 1–2: the receive limit), one byte of read
/// size (0: all at once), then the stream. The decoder must deliver exactly the frames
/// ``SPFrameReference`` finds, and fail the connection exactly when the stream is not whole,
/// valid frames.
enum SPFrameFuzz {
  static let target = FuzzTarget(
    name: "sp-frames", summary: "the SP frame decoder (tcp and ipc framing, receive limits)", run: run)

  /// Records what reaches the end of the pipeline.
  final class Sink: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var frames: [[UInt8]] = []
    var errors: [any Error] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      frames.append(Array(unwrapInboundIn(data).readableBytesView))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
      errors.append(error)
    }
  }

  static func run(_ bytes: [UInt8]) {
    var input = FuzzInput(bytes)
    let options = input.byte()
    let ipc = options & 1 == 1
    let maxSize = SPFrameReference.limit(options >> 1)
    let chunks = input.chunks(of: input.byte())
    let sink = Sink()
    let channel = EmbeddedChannel()
    try! channel.pipeline.syncOperations.addHandlers([
      ByteToMessageHandler(SPFrameDecoder(ipc: ipc, maxSize: maxSize)), sink,
    ])
    for chunk in chunks where sink.errors.isEmpty {
      try! channel.writeInbound(ByteBuffer(bytes: chunk))
    }
    _ = try? channel.finish(acceptAlreadyClosed: true)
    let expected = SPFrameReference.frames(in: chunks.flatMap { $0 }, ipc: ipc, maxSize: maxSize)
    require(sink.frames == expected.frames, "the decoder's frames differ from the reference's")
    require(sink.errors.isEmpty == expected.clean, "the decoder failed (or not) unlike the reference")
    for error in sink.errors { precondition(error is SPError, "not an SPError: \(error)") }
  }
}
