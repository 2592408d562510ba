import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import StarlingPipeline

/// `http`: what `input.http` does with the bytes of a connection: its pipeline as `HTTPInput`
/// configures it (the connection timeouts in front, NIOHTTP1's server handlers, the progress
/// reports behind them), then Starling's handling of each request: a body past `max_body`
/// refused, the path and the query split and decoded, the headers gathered, the body read in
/// every `format`, and an answer written.
///
/// Input: one byte of read size (0: all at once), one byte of seconds that pass before each
/// read after the first, then what the client sends. Once the client falls silent, every
/// connection must be closed by one of its timeouts (no wait outlasts them all).
enum HTTPHeadFuzz {
  static let target = FuzzTarget(
    name: "http",
    summary: "input.http: NIOHTTP1's request decoder, Starling's handling of requests, timeouts",
    run: run)

  /// Timeouts of different lengths, so the fuzzer can run out of any one before the others.
  static let timeouts = ConnectionTimeouts(idle: .seconds(30), head: .seconds(10), body: .seconds(20))
  /// Small, so the fuzzer reaches it.
  static let maxBody = 256

  /// Does with each request what `HTTPServerExchange` does with it.
  final class Exchange: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    var head: HTTPRequestHead?
    var body: [UInt8] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      switch unwrapInboundIn(data) {
      case .head(let request):
        if let length = request.headers.first(name: "content-length").flatMap({ Int($0) }), length > maxBody {
          answer(.payloadTooLarge, close: true, context: context)
          return
        }
        head = request
        body = []
      case .body(let chunk):
        guard head != nil else { return }
        guard body.count + chunk.readableBytes <= maxBody else {
          head = nil
          answer(.payloadTooLarge, close: true, context: context)
          return
        }
        body += chunk.readableBytesView
      case .end:
        guard let request = head else { return }
        head = nil
        let (path, query) = HTTPServerExchange.split(request.uri)
        let contentType = request.headers.first(name: "content-type")
        var status = HTTPResponseStatus.accepted
        for format in [NetworkPayload.auto, .string, .bytes, .json] {
          if (try? format.decode(body, contentType: contentType)) == nil { status = .badRequest }
        }
        _ = Event(
          data: .null, header: HTTPServerExchange.header(request, path: path, query: query, peer: "fuzz"))
        answer(status, close: !request.isKeepAlive, context: context)
      }
    }

    /// A request NIO cannot decode ends the stream `HTTPServerExchange` reads, which then
    /// closes the connection.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
      context.close(promise: nil)
    }

    func answer(_ status: HTTPResponseStatus, close: Bool, context: ChannelHandlerContext) {
      var headers = HTTPHeaders([("content-length", "0")])
      if close { headers.add(name: "connection", value: "close") }
      context.write(
        wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
        promise: nil)
      context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
      if close { context.close(promise: nil) }
    }
  }

  static func run(_ bytes: [UInt8]) {
    var input = FuzzInput(bytes)
    let readSize = input.byte()
    let pause = TimeAmount.seconds(Int64(input.byte()))
    let chunks = input.chunks(of: readSize)
    let channel = EmbeddedChannel()
    let sync = channel.pipeline.syncOperations
    try! sync.addHandler(
      ConnectionTimeoutHandler(timeouts: timeouts) { wait in
        wait == .idle ? [] : HTTPInput.requestTimeout("timed out")
      })
    try! sync.configureHTTPServerPipeline(withErrorHandling: true)
    try! sync.addHandler(HTTPProgressHandler())
    try! sync.addHandler(Exchange())
    try! channel.connect(to: SPHandshakeFuzz.peerAddress).wait()
    for (index, chunk) in chunks.enumerated() where channel.isActive {
      if index > 0 { channel.embeddedEventLoop.advanceTime(by: pause) }
      guard channel.isActive else { break }
      // A decoding error closes the connection (`Exchange.errorCaught`).
      _ = try? channel.writeInbound(ByteBuffer(bytes: chunk))
      // What a channel that reads automatically does after each read.
      channel.read()
    }
    channel.embeddedEventLoop.advanceTime(by: .hours(24))
    require(!channel.isActive, "a silent client's connection outlasted every timeout")
    _ = try? channel.finish(acceptAlreadyClosed: true)
  }
}
