import NIOCore
import NIOPosix
import Synchronization

@testable import Starling

/// A hand-driven TCP peer that writes whatever bytes a test wants, to play a misbehaving
/// SP peer.
final class RawPeer: Sendable {
  let channel: any Channel
  private let received: Collector

  final class Collector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let bytes = Mutex<[UInt8]>([])
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      let buffer = unwrapInboundIn(data)
      bytes.withLock { $0.append(contentsOf: buffer.readableBytesView) }
    }
  }

  /// Connects to `address`; with `reading: false` it never reads, like a stalled peer.
  init(connectingTo address: Address, reading: Bool = true) async throws {
    let collector = Collector()
    received = collector
    channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .channelOption(.autoRead, value: reading)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
      }
      .connect(host: address.host ?? "127.0.0.1", port: address.port).get()
  }

  /// Writes raw bytes.
  func write(_ bytes: [UInt8]) async throws {
    try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
  }

  /// Sends the SP header of `proto`.
  func handshake(as proto: SPProtocol) async throws {
    try await write(Array(SPHandshakeHandler.header(for: proto).readableBytesView))
  }

  /// Sends one tcp frame.
  func frame(_ payload: [UInt8]) async throws {
    var buffer = ByteBuffer()
    SPFrameEncoder.writePrefix(into: &buffer, ipc: false, payloadSize: payload.count)
    try await write(Array(buffer.readableBytesView) + payload)
  }

  /// Waits until the other side closes the connection.
  func closedByPeer() async throws {
    try await channel.closeFuture.get()
  }

  /// Waits until at least `count` bytes arrived, and returns them all.
  func bytes(atLeast count: Int) async throws -> [UInt8] {
    while true {
      let bytes = received.bytes.withLock { $0 }
      if bytes.count >= count { return bytes }
      if !channel.isActive { throw PeerError("closed after \(bytes.count) of \(count) bytes") }
      try await Task.sleep(for: .milliseconds(5))
    }
  }

  func close() {
    channel.close(promise: nil)
  }
}

/// Waits until `condition` holds, checking after each yield; fails after `limit`.
func eventually(
  _ what: String, limit: Duration = .seconds(30), _ condition: () -> Bool
) async throws {
  let deadline = ContinuousClock.now + limit
  while !condition() {
    guard ContinuousClock.now < deadline else { throw PeerError("timed out waiting until \(what)") }
    try await Task.sleep(for: .milliseconds(2))
  }
}
