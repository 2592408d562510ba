import Foundation
import NIOCore
import NIOPosix

import struct StarlingChannels.Lock

/// A plain TCP connection to a server under test, for what no well-behaved client sends:
/// bytes written as given, and what the server sends back collected as it comes.
final class RawConnection: Sendable {
  private struct State {
    var bytes: [UInt8] = []
    /// How much of `bytes` earlier reads handed out.
    var taken = 0
    var closed = false
    var waiters: [CheckedContinuation<Void, Never>] = []
  }

  private let channel: any Channel
  private let state = Lock.make(State())

  private init(_ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
    self.channel = channel.channel
    // Writes go to the channel directly.
    channel.outbound.finish()
    // Reads until the connection closes (holding this object until then).
    Task { [self] in
      do {
        for try await chunk in channel.inbound {
          update { $0.bytes += Array(chunk.readableBytesView) }
        }
      } catch {}
      update { $0.closed = true }
    }
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
    return RawConnection(channel)
  }

  private func update(_ change: (inout State) -> Void) {
    let waiters = state.withLock { state in
      change(&state)
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiters { waiter.resume() }
  }

  /// Sends `text` (UTF-8).
  func send(_ text: String) async throws {
    try await send(Array(text.utf8))
  }

  /// Sends `bytes`.
  func send(_ bytes: [UInt8]) async throws {
    try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
  }

  /// Closes the connection at once.
  func close() async {
    try? await channel.close()
  }

  /// Everything the server sends until it closes the connection (or `timeout` passes, when
  /// the connection is closed from here).
  func readAll(timeout: Duration = .seconds(30)) async throws -> [UInt8] {
    try await read(until: { _ in false }, timeout: timeout)
  }

  /// What the server sends until `done` holds for it (or the connection closes, or `timeout`
  /// passes, when the connection is closed from here); what arrives later stays for the next
  /// read.
  @discardableResult
  func read(
    until done: @escaping @Sendable ([UInt8]) -> Bool, timeout: Duration = .seconds(30)
  ) async throws
    -> [UInt8]
  {
    let bytes = try await peek(until: done, timeout: timeout)
    state.withLock { $0.taken += bytes.count }
    return bytes
  }

  /// Reads a prefix of what the server sends: waits until `measure` gives its length (or the
  /// connection closes, or `timeout` passes), and takes that many bytes; what follows stays
  /// for the next read.
  func read(
    prefix measure: @escaping @Sendable ([UInt8]) -> Int?, timeout: Duration = .seconds(30)
  ) async throws -> [UInt8] {
    let bytes = try await peek(until: { measure($0) != nil }, timeout: timeout)
    guard let length = measure(bytes) else {
      throw TestFailure("the connection closed before the whole of it; received: \(bytes.text)")
    }
    state.withLock { $0.taken += length }
    return Array(bytes[..<length])
  }

  /// Reads one HTTP response: its head and its `Content-Length` body.
  func readResponse(timeout: Duration = .seconds(30)) async throws -> (head: String, body: String) {
    let response = try await read(
      prefix: { bytes in
        guard let end = bytes.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound else { return nil }
        let head = bytes[..<end].text.lowercased()
        let declared =
          head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
          .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return bytes.count >= end + declared ? end + declared : nil
      }, timeout: timeout)
    let end = response.firstRange(of: Array("\r\n\r\n".utf8))!.upperBound
    return (response[..<end].text, response[end...].text)
  }

  /// What has arrived once `done` holds for it, without taking it.
  private func peek(
    until done: @escaping @Sendable ([UInt8]) -> Bool, timeout: Duration
  ) async throws -> [UInt8] {
    let channel = channel
    let watchdog = Task {
      try await Task.sleep(for: timeout)
      try await channel.close()
    }
    defer { watchdog.cancel() }
    while true {
      await withCheckedContinuation { continuation in
        let ready = state.withLock { state in
          if done(Array(state.bytes[state.taken...])) || state.closed { return true }
          state.waiters.append(continuation)
          return false
        }
        if ready { continuation.resume() }
      }
      let fresh = state.withLock { state -> [UInt8]? in
        let fresh = Array(state.bytes[state.taken...])
        return done(fresh) || state.closed ? fresh : nil
      }
      if let fresh { return fresh }
    }
  }
}

extension Collection<UInt8> {
  /// The bytes as text (UTF-8, invalid bytes replaced).
  var text: String { String(decoding: self, as: UTF8.self) }
}
