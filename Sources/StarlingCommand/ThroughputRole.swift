import Foundation
import NIOCore
import Starling

/// nng perf's throughput test over pair1: the client sends an empty message to start the
/// clock, then COUNT messages (perf sends one more than it is asked, which the server does
/// not read); the server times the COUNT messages and prints the rate.
enum ThroughputRole {
  /// What local_thr measured.
  struct Result: Sendable, Equatable {
    var seconds: Double
    var size: Int
    var count: Int

    /// Messages per second.
    var messagesPerSecond: Double { seconds > 0 ? Double(count) / seconds : 0 }
    /// Megabits per second, with perf's mega (2^20).
    var megabitsPerSecond: Double { messagesPerSecond * 8 * Double(size) / (1024 * 1024) }

    /// The lines perf's local_thr prints.
    var report: String {
      String(format: "total time: %.3f [s]\n", seconds) + "message size: \(size) [B]\n"
        + "message count: \(count)\n" + String(format: "throughput: %.f [msg/s]\n", messagesPerSecond)
        + String(format: "throughput: %.3f [Mb/s]\n", megabitsPerSecond)
    }
  }

  /// local_thr: listens at `url`, waits for the start message, then times `count` messages of
  /// `size` bytes.
  static func receive(url: String, size: Int, count: Int) async throws(CatError) -> Result {
    var options = LatencyRole.perfOptions
    options.receiveBufferSize = 128
    let socket = Pair1(name: "local_thr", options: options)
    defer { socket.close() }
    do {
      try await socket.listen(url)
    } catch {
      throw .failed("nng_listen: \(CatSession.describe(error))")
    }
    do { _ = try await socket.receive() } catch {
      throw .failed("nng_recvmsg: \(CatSession.describe(error))")
    }
    let start = ContinuousClock.now
    for _ in 0..<count {
      let message: Message
      do { message = try await socket.receive() } catch {
        throw .failed("nng_recvmsg: \(CatSession.describe(error))")
      }
      guard message.body.readableBytes == size else {
        throw .failed("wrong message size: \(message.body.readableBytes) != \(size)")
      }
    }
    let elapsed = ContinuousClock.now - start
    return Result(seconds: elapsed.seconds, size: size, count: count)
  }

  /// remote_thr: dials `url`, sends the empty start message, then `count` + 1 messages of
  /// `size` bytes, as perf does.
  static func send(url: String, size: Int, count: Int) async throws(CatError) {
    let socket = Pair1(name: "remote_thr", options: LatencyRole.perfOptions)
    defer { socket.close() }
    do {
      try await socket.dial(url)
    } catch {
      throw .failed("nng_dial: \(CatSession.describe(error))")
    }
    let message = Message(body: ByteBuffer(repeating: 0, count: size))
    do {
      try await socket.send(Message())
      for _ in 0...count { try await socket.send(message) }
    } catch {
      throw .failed("nng_sendmsg: \(CatSession.describe(error))")
    }
    // Hand the peer every queued message, then close. (perf sleeps 100 ms instead, and a 1 s
    // sleep here was outlasted by a loaded machine: the peer never got its last messages.)
    await socket.close(linger: LatencyRole.closeLinger)
  }
}
