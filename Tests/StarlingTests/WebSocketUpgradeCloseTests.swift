import NIOCore
import NIOEmbedded
import NIOPosix
import Testing

@testable import Starling

/// A ws connection whose peer closes while its upgrade is still being carried out (found by
/// the `ws-upgrade` fuzz target): NIO finishes an upgrade in tasks the event loop runs after
/// the read that brought the request, and when the peer's close came in that same read, the
/// upgrade used to add the pipe handlers to a connection already closed. The pipe then
/// attached and, its close event long past, never detached: a socket kept a dead pipe.
@Suite(.timeLimit(.minutes(2))) struct WebSocketUpgradeCloseTests {
  let request = Array(
    ("GET /sp HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
      + "Sec-WebSocket-Protocol: rep.sp.nanomsg.org\r\n\r\n").utf8)

  /// A connection to `rep`'s ws server, as the server configures each one, on an embedded
  /// event loop that runs queued tasks only when told.
  func connection(to rep: Rep0, at address: Address) async throws -> EmbeddedChannel {
    let server = try await WebSocketServer.shared(
      for: address, tls: nil, options: SocketOptions(), logger: rep.socketHandle.core.logger,
      group: MultiThreadedEventLoopGroup.singleton)
    let channel = EmbeddedChannel()
    try server.configure(channel, tls: nil, options: SocketOptions())
    try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
    return channel
  }

  @Test func aPeerThatClosesDuringTheUpgradeNeverBecomesAPipe() async throws {
    let rep = Rep0()
    defer { rep.close() }
    let address = try await rep.listen("ws://127.0.0.1:0/sp").address
    let channel = try await connection(to: rep, at: address)
    try channel.writeInbound(ByteBuffer(bytes: request))
    // The close arrives before the loop runs what the request queued.
    _ = try channel.finish(acceptAlreadyClosed: true)
    #expect(rep.statistics.pipesOpen == 0)
    #expect(rep.statistics.pipesTotal == 0)
  }

  @Test func aPeerThatStaysUntilTheUpgradeIsDoneIsAPipeUntilItCloses() async throws {
    let rep = Rep0()
    defer { rep.close() }
    let address = try await rep.listen("ws://127.0.0.1:0/sp").address
    let channel = try await connection(to: rep, at: address)
    try channel.writeInbound(ByteBuffer(bytes: request))
    channel.embeddedEventLoop.run()
    #expect(rep.statistics.pipesOpen == 1)
    _ = try channel.finish(acceptAlreadyClosed: true)
    #expect(rep.statistics.pipesOpen == 0)
    #expect(rep.statistics.pipesTotal == 1)
  }
}
