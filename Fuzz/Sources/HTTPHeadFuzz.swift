import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import StarlingPipeline

/// `http`: what `input.http` does with the bytes of a connection: NIOHTTP1's server pipeline
/// as `input.http` configures it, then Starling's handling of each request: the path and the
/// query split and decoded, the headers gathered, and the body read in every `format`.
///
/// Input: one byte of read size (0: all at once), then what the client sends.
enum HTTPHeadFuzz {
  static let target = FuzzTarget(
    name: "http", summary: "input.http: NIOHTTP1's request decoder and Starling's handling of the head",
    run: run)

  /// Does with each request what `HTTPServerExchange` does before the event is sent.
  final class Exchange: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    var head: HTTPRequestHead?
    var body: [UInt8] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      switch unwrapInboundIn(data) {
      case .head(let requestHead):
        head = requestHead
        body = []
      case .body(let chunk):
        if body.count < 1 << 16 { body += chunk.readableBytesView }
      case .end:
        guard let request = head else { return }
        head = nil
        _ = request.isKeepAlive
        let (path, query) = HTTPServerExchange.split(request.uri)
        let contentType = request.headers.first(name: "content-type")
        for format in [NetworkPayload.auto, .string, .bytes, .json] {
          _ = try? format.decode(body, contentType: contentType)
        }
        _ = Event(
          data: .null, header: HTTPServerExchange.header(request, path: path, query: query, peer: "fuzz"))
      }
    }
  }

  static func run(_ bytes: [UInt8]) {
    var input = FuzzInput(bytes)
    let chunks = input.chunks(of: input.byte())
    let channel = EmbeddedChannel()
    try! channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
    try! channel.pipeline.syncOperations.addHandler(Exchange())
    try! channel.connect(to: SPHandshakeFuzz.peerAddress).wait()
    for chunk in chunks where channel.isActive {
      do {
        try channel.writeInbound(ByteBuffer(bytes: chunk))
      } catch {
        break
      }
    }
    _ = try? channel.finish(acceptAlreadyClosed: true)
  }
}
