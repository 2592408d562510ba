import Foundation
import Testing

@testable import Starling

/// `close(linger:)`: a producer that closes right after its last `send` loses nothing its
/// connections still held, even when they held megabytes the kernel had not taken yet; and a
/// peer that never reads holds the close up for the linger at most.
@Suite(.timeLimit(.minutes(5))) struct CloseLingerTests {
  /// 4 KiB messages, each starting with its index zero-padded to 8 digits: 2,500 of them (10 MB)
  /// are more than loopback's socket buffers take, so most wait in the pipe when `close` comes.
  static func numbered(_ n: Int) -> Message {
    let index = String(n)
    return Message(
      string: String(repeating: "0", count: 8 - index.count) + index + String(repeating: "x", count: 4088))
  }

  static let count = 2500

  /// A push whose window takes every message at once, so all of them are queued in the pipe.
  static func producer() -> Push0 {
    let push = Push0()
    push.options.sendWindow = 64 << 20
    return push
  }

  @Test(arguments: ["tcp://127.0.0.1:0", "ipc"])
  func aPushClosedWithLingerDeliversEveryQueuedMessage(_ url: String) async throws {
    let push = Self.producer()
    let pull = Pull0()
    defer { pull.close() }
    pull.options.receiveTimeout = .seconds(60)
    let bound = try await push.listen(url == "ipc" ? uniqueIPCPath() : url).address
    var events = push.pipeEvents().makeAsyncIterator()
    try await pull.dial(bound.url)
    _ = await events.next()

    // The pull reads while the push closes: a close waits for the peer to take the bytes.
    let received = Task {
      var prefixes: [Substring] = []
      for _ in 0..<Self.count { prefixes.append(try await pull.receive().string.prefix(8)) }
      return prefixes
    }
    for n in 0..<Self.count { try await push.send(Self.numbered(n)) }
    await push.close(linger: .seconds(60))
    await #expect(throws: SPError.closed) { try await push.send(Self.numbered(0)) }
    #expect(try await received.value == (0..<Self.count).map { Self.numbered($0).string.prefix(8) })
  }

  @Test func aPynngPullGetsEveryMessageOfAPushClosedWithLinger() async throws {
    let push = Self.producer()
    let bound = try await push.listen("tcp://127.0.0.1:0").address
    var events = push.pipeEvents().makeAsyncIterator()
    let peer = try NngPeer(script: "count_peer.py", arguments: [bound.url, String(Self.count)])
    defer { peer.finish() }
    _ = try await peer.line("READY")
    _ = await events.next()

    for n in 0..<Self.count { try await push.send(Self.numbered(n)) }
    await push.close(linger: .seconds(60))
    #expect(try await peer.line("GOT ") == "GOT \(Self.count)")
  }

  @Test func aPeerThatNeverReadsHoldsTheCloseUpOnlyForTheLinger() async throws {
    let push = Self.producer()
    let bound = try await push.listen("tcp://127.0.0.1:0").address
    var events = push.pipeEvents().makeAsyncIterator()
    let stalled = try await RawPeer(connectingTo: Address(bound.url), reading: false)
    defer { stalled.close() }
    try await stalled.handshake(as: .pull0)
    _ = await events.next()

    for n in 0..<Self.count { try await push.send(Self.numbered(n)) }
    // Returns although the peer took almost nothing; the test's time limit is the safety net.
    await push.close(linger: .milliseconds(200))
    await #expect(throws: SPError.closed) { try await push.send(Self.numbered(0)) }
  }
}
