import NIOCore
import NIOEmbedded
import NIOWebSocket

@testable import Starling

/// `ws-frames`: an upgraded ws connection: NIO's WebSocket frame decoder and encoder as the
/// upgrader adds them, Starling's `WebSocketPipeHandler` (fragments, control frames, limits,
/// close codes) and the pipe handler, with a recording socket behind.
///
/// Input: one byte of options (bits 0–1: the receive limit; bit 2: the dialing side, which
/// masks), one byte of read size (0: all at once), then the frames the peer sends. Every
/// message delivered fits the limit, and the pipe detaches when the connection closes.
enum WebSocketFrameFuzz {
  static let target = FuzzTarget(
    name: "ws-frames",
    summary: "SP over WebSocket frames after the upgrade (fragments, control frames, limits)",
    run: run)

  static func run(_ bytes: [UInt8]) {
    var input = FuzzInput(bytes)
    let options = input.byte()
    let maxSize = SPFrameReference.limit(options)
    let chunks = input.chunks(of: input.byte())
    let owner = RecordingPipeOwner(identity: .pair1, receiveLimit: maxSize)
    let channel = EmbeddedChannel()
    try! channel.pipeline.syncOperations.addHandlers([
      WebSocketFrameEncoder(),
      ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: WebSocketTransport.frameLimit(maxSize))),
      WebSocketPipeHandler(maxSize: maxSize, masking: options & 4 != 0),
      PipeChannelHandler(owner: owner, transportName: "ws", attached: nil),
    ])
    try! channel.connect(to: SPHandshakeFuzz.peerAddress).wait()
    channel.pipeline.fireUserInboundEventTriggered(
      SPHandshakeCompleted(peerProtocol: SPProtocol.pair1.peerNumber))
    for chunk in chunks where channel.isActive {
      do {
        try channel.writeInbound(ByteBuffer(bytes: chunk))
      } catch {
        break
      }
    }
    _ = try? channel.finish(acceptAlreadyClosed: true)
    let record = owner.recorded
    require(record.attached == 1 && record.detached == 1, "the pipe outlived its connection")
    require(maxSize == 0 || record.messages.allSatisfy { $0.count <= maxSize }, "a message over the limit")
  }
}
