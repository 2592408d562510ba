import Foundation
import NIOCore
import Starling

/// nng perf's latency test over pair1: the client sends a message, the server sends it back,
/// COUNT times; the client prints the time per one-way trip.
enum LatencyRole {
  /// What remote_lat measured.
  struct Result: Sendable, Equatable {
    var seconds: Double
    var size: Int
    var roundTrips: Int

    /// One-way latency in microseconds: half a round trip, as perf computes it.
    var latencyMicroseconds: Double {
      roundTrips == 0 ? 0 : seconds * 1_000_000 / Double(roundTrips * 2)
    }

    /// The lines perf's remote_lat prints.
    var report: String {
      String(format: "total time: %.3f [s]\n", seconds) + "message size: \(size) [B]\n"
        + "round trip count: \(roundTrips)\n"
        + String(format: "average latency: %.3f [us]\n", latencyMicroseconds)
    }
  }

  /// local_lat: listens at `url` and sends back each of `roundTrips` messages, which must be
  /// `size` bytes.
  static func serve(url: String, size: Int, roundTrips: Int) async throws(CatError) {
    let socket = Pair1(name: "local_lat", options: perfOptions)
    defer { socket.close() }
    do {
      try await socket.listen(url)
    } catch {
      throw .failed("nng_listen: \(CatSession.describe(error))")
    }
    for _ in 0..<roundTrips {
      let message: Message
      do { message = try await socket.receive() } catch {
        throw .failed("nng_recvmsg: \(CatSession.describe(error))")
      }
      guard message.body.readableBytes == size else {
        throw .failed("wrong message size: \(message.body.readableBytes) != \(size)")
      }
      do { try await socket.send(Message(body: message.body)) } catch {
        throw .failed("nng_sendmsg: \(CatSession.describe(error))")
      }
    }
    // Hand the peer the last reply, then close (perf sleeps 100 ms instead, which a loaded
    // machine can outlast).
    await socket.close(linger: Self.closeLinger)
  }

  /// The most a perf role waits, when it is done, for its peer to take what it still holds.
  static let closeLinger: Duration = .seconds(30)

  /// remote_lat: dials `url` and times `roundTrips` round trips of a `size`-byte message.
  static func measure(url: String, size: Int, roundTrips: Int) async throws(CatError) -> Result {
    let socket = Pair1(name: "remote_lat", options: perfOptions)
    defer { socket.close() }
    do {
      try await socket.dial(url)
    } catch {
      throw .failed("nng_dial: \(CatSession.describe(error))")
    }
    var message = Message(body: ByteBuffer(repeating: 0, count: size))
    let start = ContinuousClock.now
    for _ in 0..<roundTrips {
      do { try await socket.send(message) } catch {
        throw .failed("nng_sendmsg: \(CatSession.describe(error))")
      }
      do { message = Message(body: try await socket.receive().body) } catch {
        throw .failed("nng_recvmsg: \(CatSession.describe(error))")
      }
    }
    let elapsed = ContinuousClock.now - start
    return Result(seconds: elapsed.seconds, size: size, roundTrips: roundTrips)
  }

  /// Options for the perf roles: no receive limit (perf sizes go up to 2^30 bytes).
  static var perfOptions: SocketOptions {
    var options = SocketOptions()
    options.receiveMaxSize = 0
    return options
  }
}
