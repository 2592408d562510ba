import Synchronization

import struct StarlingChannels.Lock

/// A reply socket (`rep0`): receives requests from req sockets and answers each on the
/// connection it came from.
///
/// ``nextRequest()`` hands back a ``Request`` that carries its own backtrace, so any number of
/// requests can be answered concurrently and in any order with ``Request/reply(_:)``. The
/// nng-style ``receive()`` and ``send(_:)`` answer one request at a time.
public final class Rep0: Socket {
  let core: SocketCore<Rep0Machine>
  private let current = Lock<Message?>.make(nil)
  /// The machinery behind the socket. Not for direct use.
  public var socketHandle: SocketHandle { SocketHandle(core: core) }

  /// Creates a rep socket.
  public init(name: String? = nil, options: SocketOptions = SocketOptions()) {
    core = SocketCore(machine: Rep0Machine(maxTTL: options.maxTTL), options: options, name: name)
  }

  deinit { core.close() }

  /// Receives the next request, to answer with ``Request/reply(_:)``.
  public func nextRequest() async throws -> Request {
    Request(message: try await core.receive(), send: core.send)
  }

  /// The requests, until the socket closes.
  public var requests: AsyncThrowingMapSequence<MessageSequence, Request> {
    MessageSequence(receive: core.receive).map { [core] in Request(message: $0, send: core.send) }
  }

  /// Receives the next request (nng style); answer it with ``send(_:)``.
  public func receive() async throws -> Message {
    let request = try await core.receive()
    current.withLock { $0 = request }
    return request
  }

  /// Answers the request last received with ``receive()`` (nng style).
  ///
  /// - Throws: ``SPError/badState(_:)`` if there is no request to answer.
  public func send(_ message: Message) async throws {
    guard
      let request = current.withLock({ current in
        defer { current = nil }; return current
      })
    else {
      throw SPError.badState("send on a rep socket needs a request received first")
    }
    try await Request(message: request, send: core.send).reply(message)
  }
}
