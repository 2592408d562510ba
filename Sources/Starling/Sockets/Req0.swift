import struct StarlingChannels.Lock

/// A request socket (`req0`): sends requests to rep sockets and receives their replies.
///
/// ``request(_:)`` sends and waits for the reply in one call; many calls may run at once over
/// one socket and one connection, each matched to its own reply. A request goes to one ready
/// rep peer, round robin, and is sent again (byte for byte, with the same request ID) if no
/// reply comes within the resend time, or at once if its connection is lost. Replies to requests
/// no longer outstanding are dropped.
///
/// The nng-style ``send(_:)`` and ``receive()`` are here too: one request at a time, where a new
/// send abandons the previous request. ``makeContext()`` gives more such request slots, each
/// with its own timeouts, over the same socket.
public final class Req0: Socket {
  let core: SocketCore<Req0Machine>
  private let resender: ResendTimer
  /// The context behind the socket's own ``send(_:)`` and ``receive()``.
  private let defaultContext: Context
  /// The machinery behind the socket. Not for direct use.
  public var socketHandle: SocketHandle { SocketHandle(core: core) }

  /// Creates a req socket.
  public init(name: String? = nil, options: SocketOptions = SocketOptions()) {
    core = SocketCore(machine: Req0Machine(), options: options, name: name)
    resender = ResendTimer(core: core)
    defaultContext = Context(socket: nil, core: core, resender: resender, timeouts: nil)
  }

  deinit {
    resender.stop()
    core.close()
  }

  /// Sends a request and waits for its reply, up to the socket's receive timeout.
  ///
  /// - Throws: ``SPError/timedOut`` when no reply came within the receive timeout,
  ///   ``SPError/closed``, or `CancellationError`.
  public func request(_ message: Message) async throws -> Message {
    try await request(message, timeout: options.receiveTimeout)
  }

  /// Sends a request and waits for its reply, up to `timeout` (forever for `nil`).
  ///
  /// Each call has its own timeout and its own request ID, so calls with different deadlines
  /// can share the socket and its connections. Cancelling the calling task abandons the
  /// request: a reply that comes later is dropped as stale.
  ///
  /// - Throws: ``SPError/timedOut`` when no reply came within `timeout`, ``SPError/closed``,
  ///   or `CancellationError`.
  public func request(_ message: Message, timeout: Duration?) async throws -> Message {
    let id = core.startRequest(message, resendTime: nil)
    resender.start()
    defer { core.finishRequest(id.id) }
    return try await core.awaitReply(to: id.id, sending: id.message, timeout: timeout)
  }

  /// Sends a request (nng style). Its reply is for ``receive()``. A request still waiting for
  /// its reply is abandoned: its pending ``receive()`` fails with ``SPError/cancelled(_:)``.
  public func send(_ message: Message) async throws {
    try await defaultContext.send(message)
  }

  /// Receives the reply to the last request sent with ``send(_:)``.
  ///
  /// - Throws: ``SPError/badState(_:)`` if no request is outstanding (receive before send);
  ///   ``SPError/timedOut``, ``SPError/closed``, `CancellationError`.
  public func receive() async throws -> Message {
    try await defaultContext.receive()
  }

  /// Sends a request (nng style) only if a rep peer can take it now.
  ///
  /// - Returns: `false` if the send would wait: nothing was sent, and the last request stands.
  public func trySend(_ message: Message) throws(SPError) -> Bool {
    try defaultContext.trySend(message)
  }

  /// Takes the reply to the last request sent with ``send(_:)`` or ``trySend(_:)`` if it has
  /// arrived, without waiting.
  ///
  /// - Returns: the reply, or `nil` if it has not arrived.
  /// - Throws: ``SPError/badState(_:)`` if no request is outstanding.
  public func tryReceive() throws(SPError) -> Message? {
    try defaultContext.tryReceive()
  }

  /// Makes a context: a request slot of its own over this socket, as nng's contexts are.
  ///
  /// Its timeouts and resend time start as the socket's options are now.
  public func makeContext() -> Context {
    let options = options
    return Context(
      socket: self, core: core, resender: resender,
      timeouts: .init(send: options.sendTimeout, receive: options.receiveTimeout, resend: options.resendTime))
  }

  /// One request at a time, nng style, beside any number of other contexts on the same socket.
  ///
  /// ``send(_:)`` sends a request (abandoning this context's previous one), ``receive()`` waits
  /// for its reply, ``request(_:)`` does both. Replies may come back in any order across
  /// contexts; each goes to the context whose request it answers.
  public final class Context: Sendable {
    /// The socket, kept alive while its contexts are.
    private let socket: Req0?
    private let core: SocketCore<Req0Machine>
    private let resender: ResendTimer
    private let state: Lock<(timeouts: Timeouts?, current: UInt32?)>

    /// A context's own timeouts (`nil` for the socket's context, which reads the socket's).
    struct Timeouts {
      var send: Duration?
      var receive: Duration?
      var resend: Duration
    }

    init(socket: Req0?, core: SocketCore<Req0Machine>, resender: ResendTimer, timeouts: Timeouts?) {
      self.socket = socket
      self.core = core
      self.resender = resender
      self.state = Lock.make((timeouts, nil))
    }

    private var timeouts: Timeouts {
      if let own = state.withLock({ $0.timeouts }) { return own }
      let options = core.options
      return Timeouts(send: options.sendTimeout, receive: options.receiveTimeout, resend: options.resendTime)
    }

    /// How long ``send(_:)`` may wait for a peer to take the request; `nil` waits forever.
    public var sendTimeout: Duration? {
      get { timeouts.send }
      set { state.withLock { $0.timeouts?.send = newValue } }
    }

    /// How long ``receive()`` waits for the reply; `nil` waits forever.
    public var receiveTimeout: Duration? {
      get { timeouts.receive }
      set { state.withLock { $0.timeouts?.receive = newValue } }
    }

    /// How long this context's requests wait for a reply before they go out again.
    public var resendTime: Duration {
      get { timeouts.resend }
      set { state.withLock { $0.timeouts?.resend = newValue } }
    }

    /// Sends a request. A request of this context still waiting for its reply is abandoned:
    /// its pending ``receive()`` fails with ``SPError/cancelled(_:)``.
    public func send(_ message: Message) async throws {
      let timeouts = timeouts
      let started = core.startRequest(message, resendTime: timeouts.resend)
      makeCurrent(started.id)
      try await core.send(started.message, timeout: timeouts.send)
    }

    /// Sends a request only if a rep peer can take it now.
    ///
    /// - Returns: `false` if the send would wait: nothing was sent, and this context's last
    ///   request stands.
    /// - Throws: ``SPError/closed``.
    public func trySend(_ message: Message) throws(SPError) -> Bool {
      let started = core.startRequest(message, resendTime: timeouts.resend)
      do {
        guard try core.trySend(started.message) else {
          core.finishRequest(started.id)
          return false
        }
      } catch {
        core.finishRequest(started.id)
        throw error
      }
      makeCurrent(started.id)
      return true
    }

    /// Makes `id` this context's request, abandoning the one before, and starts resending.
    private func makeCurrent(_ id: UInt32) {
      let previous = state.withLock { state in
        defer { state.current = id }
        return state.current
      }
      if let previous {
        core.finishRequest(previous)?.resume(
          throwing: SPError.cancelled("the request was superseded by a newer one"))
      }
      resender.start()
    }

    /// Receives the reply to this context's last request.
    ///
    /// - Throws: ``SPError/badState(_:)`` if no request is outstanding (receive before send);
    ///   ``SPError/timedOut``, ``SPError/cancelled(_:)`` (a newer send took its place),
    ///   ``SPError/closed``, `CancellationError`.
    public func receive() async throws -> Message {
      guard let id = state.withLock({ $0.current }) else {
        throw SPError.badState("receive on a req socket needs a request sent first")
      }
      let reply = try await core.awaitReply(to: id, sending: nil, timeout: timeouts.receive)
      finish(id)
      return reply
    }

    /// Takes the reply to this context's last request if it has arrived, without waiting.
    ///
    /// - Returns: the reply, or `nil` if it has not arrived.
    /// - Throws: ``SPError/badState(_:)`` if no request is outstanding;
    ///   ``SPError/cancelled(_:)``, ``SPError/closed``.
    public func tryReceive() throws(SPError) -> Message? {
      guard let id = state.withLock({ $0.current }) else {
        throw .badState("receive on a req socket needs a request sent first")
      }
      guard let reply = try core.tryTakeReply(to: id) else { return nil }
      finish(id)
      return reply
    }

    /// Ends request `id` once its reply is taken, if it is still this context's.
    private func finish(_ id: UInt32) {
      let finished = state.withLock { state in
        guard state.current == id else { return false }
        state.current = nil
        return true
      }
      if finished { _ = core.finishRequest(id) }
    }

    /// Sends a request and waits for its reply (``send(_:)`` then ``receive()``).
    public func request(_ message: Message) async throws -> Message {
      try await send(message)
      return try await receive()
    }
  }
}

extension SocketCore where Machine == Req0Machine {
  /// Starts a request: a request ID, an outstanding entry, a reply queue.
  func startRequest(_ message: Message, resendTime: Duration?) -> (id: UInt32, message: Message) {
    state.withLock { state in
      let started = state.machine.makeRequest(message, resendTime: resendTime ?? state.options.resendTime)
      state.openReplies(started.id)
      return started
    }
  }

  /// Ends a request: a reply that comes later is stale. Returns a receive still waiting for its
  /// reply, to fail.
  @discardableResult
  func finishRequest(_ id: UInt32) -> UnsafeContinuation<Message, any Error>? {
    state.withLock { state in
      state.machine.finishRequest(id)
      return state.closeReplies(id)
    }
  }

  /// Sends every request whose resend time has passed again, byte for byte.
  func resendOverdueRequests() {
    var effects = SocketCoreState<Machine>.Effects()
    state.withLock { state in
      for request in state.machine.dueForResend(now: .now) {
        state.route(request, continuation: nil, waiterID: state.makeWaiterID(), into: &effects)
      }
    }
    run(effects)
  }
}
