import Synchronization

import struct StarlingChannels.Lock

/// A reply socket (`rep0`): receives requests from req sockets and answers each on the
/// connection it came from.
///
/// ``nextRequest()`` hands back a ``Request`` that carries its own backtrace, so any number of
/// requests can be answered concurrently and in any order with ``Request/reply(_:)``. The
/// nng-style ``receive()`` and ``send(_:)`` answer one request at a time.
public final class Rep0: Socket {
  /// A context: receive a request, then answer it, beside other contexts on the same socket.
  public typealias Context = ReplyContext

  let core: SocketCore<Rep0Machine>
  /// The context behind the socket's own ``receive()`` and ``send(_:)``.
  private let defaultContext: Context
  /// The machinery behind the socket. Not for direct use.
  public var socketHandle: SocketHandle { SocketHandle(core: core) }

  /// Creates a rep socket.
  public init(name: String? = nil, options: SocketOptions = SocketOptions()) {
    core = SocketCore(machine: Rep0Machine(maxTTL: options.maxTTL), options: options, name: name)
    defaultContext = ReplyContext(owner: nil, core: core, timeouts: nil)
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
    try await defaultContext.receive()
  }

  /// Answers the request last received with ``receive()`` (nng style).
  ///
  /// - Throws: ``SPError/badState(_:)`` if there is no request to answer.
  public func send(_ message: Message) async throws {
    try await defaultContext.send(message)
  }

  /// Takes a request already received, without waiting (nng style, with `NNG_FLAG_NONBLOCK`);
  /// answer it with ``send(_:)`` or ``trySend(_:)``.
  ///
  /// - Returns: the request, or `nil` if none has arrived.
  public func tryReceive() throws(SPError) -> Message? {
    try defaultContext.tryReceive()
  }

  /// Answers the request last received only if that is possible without waiting.
  ///
  /// - Returns: `false` if its connection cannot take the answer now (it was not sent).
  /// - Throws: ``SPError/badState(_:)`` if there is no request to answer.
  public func trySend(_ message: Message) throws(SPError) -> Bool {
    try defaultContext.trySend(message)
  }

  /// Makes a context: a receive-then-reply slot of its own over this socket, as nng's
  /// contexts are. Its timeouts start as the socket's options are now.
  public func makeContext() -> Context {
    ReplyContext(owner: self, core: core, timeouts: .init(core.options))
  }
}
