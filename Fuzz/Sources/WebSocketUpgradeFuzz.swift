import Dispatch
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import Synchronization

@testable import Starling

/// `ws-upgrade`: a connection to a ws listener, configured as `WebSocketServer` configures
/// each one (the handshake deadline, NIOHTTP1 with the WebSocket upgrader, Starling's
/// subprotocol check and refusals), with a rep socket at `/sp`: the HTTP upgrade request and
/// whatever frames follow it.
///
/// Input: one byte of options (bit 0: let the handshake deadline pass after the input; bit 1:
/// the peer closes in the same read as its last bytes, before the loop runs what they queued),
/// one byte of read size (0: all at once), then what the client sends. A pipe that attaches
/// must detach when the connection closes.
enum WebSocketUpgradeFuzz {
  static let target = FuzzTarget(
    name: "ws-upgrade",
    summary: "a ws listener's connection: the HTTP upgrade, then SP over WebSocket frames",
    setUp: setUp, run: run)

  static let owner = RecordingPipeOwner(identity: .rep0, receiveLimit: 1 << 20)
  static let server = Mutex<WebSocketServer?>(nil)

  static func setUp() {
    let done = DispatchSemaphore(value: 0)
    Task {
      let logger = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
      let address = try! Address("ws://127.0.0.1:0/sp")
      let shared = try! await WebSocketServer.shared(
        for: address, tls: nil, options: SocketOptions(), logger: logger,
        group: MultiThreadedEventLoopGroup.singleton)
      try! shared.add(
        WebSocketServer.Route(owner: owner, options: SocketOptions(), logger: logger), at: "/sp")
      server.withLock { $0 = shared }
      done.signal()
    }
    done.wait()
  }

  static func run(_ bytes: [UInt8]) {
    guard let server = server.withLock({ $0 }) else { fatalError("set up first") }
    owner.reset()
    var input = FuzzInput(bytes)
    let options = input.byte()
    let chunks = input.chunks(of: input.byte())
    let channel = EmbeddedChannel()
    try! server.configure(channel, tls: nil, options: SocketOptions())
    try! channel.connect(to: SPHandshakeFuzz.peerAddress).wait()
    for (index, chunk) in chunks.enumerated() where channel.isActive {
      do {
        try channel.writeInbound(ByteBuffer(bytes: chunk))
      } catch {
        break
      }
      // An event loop runs its queued tasks (the upgrade's later steps) after each read,
      // unless the peer's last bytes and its close arrive in one read.
      if index < chunks.count - 1 || options & 2 == 0 { channel.embeddedEventLoop.run() }
    }
    if options & 1 != 0 { channel.embeddedEventLoop.advanceTime(by: .seconds(11)) }
    _ = try? channel.finish(acceptAlreadyClosed: true)
    let record = owner.recorded
    require(
      record.attached <= 1 && record.detached == record.attached,
      "a pipe outlived its connection: attached \(record.attached), detached \(record.detached)")
    require(record.attached == 1 || record.messages.isEmpty, "messages without a pipe")
  }
}
