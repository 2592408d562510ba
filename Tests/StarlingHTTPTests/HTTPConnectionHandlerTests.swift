import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOPosix
import Testing

@testable import StarlingHTTP

/// A connection's handler on an `EmbeddedChannel`, for what a real server reaches only in a
/// race.
@Suite struct HTTPConnectionHandlerTests {
  /// A request whose head arrives once the server's requests have ended (it closed, or its
  /// stop ran its course while the connection was still open) has nobody to take it: its
  /// connection is closed with nothing written, not answered 500.
  @Test func aRequestArrivingAfterTheServerClosedIsClosedUnanswered() throws {
    let core = HTTPServerCore(
      configuration: HTTPServer.Configuration(), group: MultiThreadedEventLoopGroup.singleton, scheme: "http")
    core.requests.finish()
    let channel = EmbeddedChannel()
    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
      withPipeliningAssistance: true, withErrorHandling: false)
    try channel.pipeline.syncOperations.addHandler(HTTPConnectionHandler(server: core, isTLS: false))
    try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nhost: x\r\n\r\n"))
    #expect(!channel.isActive)
    #expect(try channel.readOutbound(as: IOData.self) == nil)
  }
}
