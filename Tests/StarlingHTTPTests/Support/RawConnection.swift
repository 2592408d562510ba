import Foundation
import NIOCore
import NIOPosix

/// A plain TCP connection to a server under test, for what no well-behaved client sends:
/// bytes written as given, and everything the server sends back collected until it closes.
/// Used by one task.
final class RawConnection {
  private let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
  private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
  /// What arrived and was not handed out yet.
  private var pending: [UInt8] = []

  private init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
    self.channel = channel
    inbound = channel.inbound.makeAsyncIterator()
  }

  /// Connects to `port` on 127.0.0.1.
  static func connect(port: Int) async throws -> RawConnection {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .channelOption(.allowRemoteHalfClosure, value: true)
      .connect(host: "127.0.0.1", port: port) { channel in
        channel.eventLoop.makeCompletedFuture {
          try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
        }
      }
    return RawConnection(channel: channel)
  }

  /// Sends `text` (UTF-8).
  func send(_ text: String) async throws {
    try await send(Array(text.utf8))
  }

  /// Sends `bytes`.
  func send(_ bytes: [UInt8]) async throws {
    try await channel.channel.writeAndFlush(ByteBuffer(bytes: bytes))
  }

  /// Closes the connection at once.
  func close() async {
    try? await channel.channel.close()
  }

  /// Everything the server sends until it closes the connection (or `timeout` passes, when
  /// the connection is closed from here).
  func readAll(timeout: Duration = .seconds(30)) async throws -> [UInt8] {
    try await read(until: { _ in false }, timeout: timeout)
  }

  /// What the server sends until `done` holds for it (or the connection closes, or `timeout`
  /// passes); what arrives past that stays for the next read.
  func read(until done: ([UInt8]) -> Bool, timeout: Duration = .seconds(30)) async throws -> [UInt8] {
    let channel = channel.channel
    let watchdog = Task {
      try await Task.sleep(for: timeout)
      try await channel.close()
    }
    defer { watchdog.cancel() }
    while !done(pending), let chunk = try? await inbound.next() {
      pending += chunk.readableBytesView
    }
    let all = pending
    pending = []
    return all
  }

  /// Reads one HTTP response's head and its `Content-Length` body: (head, body).
  func readResponse(timeout: Duration = .seconds(30)) async throws -> (head: String, body: String) {
    var headEnd: Int?
    var total: Int?
    let channel = channel.channel
    let watchdog = Task {
      try await Task.sleep(for: timeout)
      try await channel.close()
    }
    defer { watchdog.cancel() }
    func done(_ bytes: [UInt8]) -> Bool {
        if headEnd == nil, let end = bytes.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound {
          headEnd = end
          let head = bytes[..<end].text.lowercased()
          let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
          total = end + length
        }
        return total.map { bytes.count >= $0 } ?? false
    }
    while !done(pending), let chunk = try? await inbound.next() {
      pending += chunk.readableBytesView
    }
    guard let headEnd, let total, pending.count >= total else {
      throw TestFailure("no whole response; received: \(pending.text)")
    }
    let all = pending
    pending = Array(all[min(total, all.count)...])
    return (all[..<headEnd].text, all[headEnd..<min(total, all.count)].text)
  }
}

extension Sequence<UInt8> {
  /// The bytes as text (UTF-8, invalid bytes replaced).
  var text: String { String(decoding: self, as: UTF8.self) }
}
