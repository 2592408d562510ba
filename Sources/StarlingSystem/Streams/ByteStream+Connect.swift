import NIOCore
import NIOPosix
import StarlingNetwork

import struct StarlingChannels.Lock

extension ByteStream {
  /// Connects to `url` and returns the connection as a stream.
  ///
  /// ```swift
  /// let stream = try await ByteStream.connect("tls+tcp://example.com:6380", tls: TLSOptions())
  /// ```
  ///
  /// - Parameters:
  ///   - url: `tcp://host:port` (also `tcp4://`, `tcp6://`, `[::1]` hosts), `tls+tcp://host:port`,
  ///     `ipc:///path` or `unix:///path`, or `abstract://name` on Linux. A host name is looked
  ///     up on ``ThreadPool/shared``.
  ///   - tls: for `tls+tcp://`, the trust roots, server name and client certificate (by default
  ///     the system's authorities and the host dialed). Giving it for a plain address is an
  ///     error.
  ///   - timeout: how long connecting (and the TLS handshake) may take.
  /// - Throws: `SPError`: `invalidAddress` or `unsupportedTransport` for a bad address,
  ///   `connectionRefused` when nothing listens there, `timedOut`, the TLS errors
  ///   (`tlsUnknownAuthority`, `tlsNameMismatch`, …) naming what is wrong.
  public static func connect(
    _ url: String, tls: TLSOptions? = nil, timeout: Duration = .seconds(10)
  ) async throws -> ByteStream {
    let address = try StreamEndpoint.address(url)
    let context = try StreamEndpoint.tls(tls, for: address, role: .dialer)
    let deadline = ContinuousClock.now + timeout
    let target = try await StreamEndpoint.resolve(address)
    let loop = MultiThreadedEventLoopGroup.singleton.next()
    let ready = loop.makePromise(of: Void.self)
    let made = Lock<ByteStream?>.make(nil)
    let withTLS = context != nil
    let channel: any Channel
    do {
      channel = try await StreamBootstrap.connect(
        to: address, resolved: target, tls: context, timeout: max(.zero, deadline - .now),
        options: StreamEndpoint.tcpOptions, on: loop
      ) { channel in
        let stream = try StreamEndpoint.attach(to: channel, ready: ready, tls: withTLS)
        made.withLock { $0 = stream }
      }
    } catch {
      ready.fail(error)
      throw error
    }
    guard let stream = made.withLock({ $0 }) else {
      let failure = SPError.connectionFailed("\(url): the connection was not set up")
      ready.fail(failure)
      channel.close(promise: nil)
      throw failure
    }
    let timer = loop.scheduleTask(deadline: .now() + TimeAmount(max(.zero, deadline - .now))) {
      ready.fail(SPError.timedOut)
    }
    defer { timer.cancel() }
    do {
      try await ready.futureResult.cancellableValue()
    } catch {
      stream.close()
      throw error
    }
    return stream
  }
}
