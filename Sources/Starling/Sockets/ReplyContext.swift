import struct StarlingChannels.Lock

/// A context of a ``Rep0`` or ``Respondent0``: receive a request (or survey), then answer it,
/// nng style, beside any number of other contexts on the same socket.
///
/// Each context holds the one request it received last, with its backtrace, and its own
/// timeouts; contexts answer in any order. ``Request`` values from ``Rep0/nextRequest()`` do
/// the same without a context.
public final class ReplyContext: Sendable {
  /// The socket, kept alive while its contexts are.
  private let owner: (any Socket)?
  private let core: any ReplyingCore
  private let state: Lock<(timeouts: Timeouts?, current: Message?)>

  /// A context's own timeouts (`nil` for the socket's context, which reads the socket's).
  struct Timeouts {
    var send: Duration?
    var receive: Duration?

    init(_ options: SocketOptions) {
      send = options.sendTimeout
      receive = options.receiveTimeout
    }
  }

  init(owner: (any Socket)?, core: any ReplyingCore, timeouts: Timeouts?) {
    self.owner = owner
    self.core = core
    self.state = Lock.make((timeouts, nil))
  }

  private var timeouts: Timeouts {
    state.withLock { $0.timeouts } ?? Timeouts(core.options)
  }

  /// How long ``send(_:)`` may wait for the peer to take the answer; `nil` waits forever.
  public var sendTimeout: Duration? {
    get { timeouts.send }
    set { state.withLock { $0.timeouts?.send = newValue } }
  }

  /// How long ``receive()`` waits for a request; `nil` waits forever.
  public var receiveTimeout: Duration? {
    get { timeouts.receive }
    set { state.withLock { $0.timeouts?.receive = newValue } }
  }

  /// Receives the next request; answer it with ``send(_:)``. A request received before and
  /// not answered is forgotten.
  public func receive() async throws -> Message {
    let request = try await core.receive(timeout: timeouts.receive)
    state.withLock { $0.current = request }
    return request
  }

  /// Answers the request this context received last, on the connection it came from.
  ///
  /// - Throws: ``SPError/badState(_:)`` if there is no request to answer.
  public func send(_ message: Message) async throws {
    guard
      let request = state.withLock({ state in
        defer { state.current = nil }
        return state.current
      })
    else {
      throw SPError.badState("send on a \(core.identity.name) socket needs a request received first")
    }
    let timeout = timeouts.send
    try await Request(message: request) { [core] in try await core.send($0, timeout: timeout) }.reply(message)
  }

  /// Takes a request already received, without waiting (nng's `NNG_FLAG_NONBLOCK`); answer it
  /// with ``send(_:)`` or ``trySend(_:)``.
  ///
  /// - Returns: the request, or `nil` if none has arrived.
  /// - Throws: ``SPError/closed``.
  public func tryReceive() throws(SPError) -> Message? {
    guard let request = try core.tryReceive() else { return nil }
    state.withLock { $0.current = request }
    return request
  }

  /// Answers the request this context received last only if that is possible without waiting.
  ///
  /// - Returns: `false` if its connection cannot take the answer now: it was not sent, and the
  ///   request is still this context's to answer.
  /// - Throws: ``SPError/badState(_:)`` if there is no request to answer; ``SPError/closed``.
  public func trySend(_ message: Message) throws(SPError) -> Bool {
    guard let request = state.withLock({ $0.current }) else {
      throw .badState("send on a \(core.identity.name) socket needs a request received first")
    }
    guard try core.trySend(message.answering(request)) else { return false }
    state.withLock { state in
      if state.current == request { state.current = nil }
    }
    return true
  }
}

/// The socket core of a rep0 or respondent0 socket, as its contexts use it.
protocol ReplyingCore: SocketControl {
  func receive(timeout: Duration?) async throws -> Message
  func send(_ message: Message, timeout: Duration?) async throws
  func tryReceive() throws(SPError) -> Message?
  func trySend(_ message: Message) throws(SPError) -> Bool
}

extension SocketCore: ReplyingCore {}
