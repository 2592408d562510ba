import struct StarlingChannels.Lock

/// A surveyor (`surveyor0`): asks every respondent at once and collects the answers that
/// arrive before the survey time (``SocketOptions/surveyTime``, 1 s by default) runs out.
///
/// ```swift
/// for try await answer in try await surveyor.survey("who is there?") { … }
/// ```
///
/// A new survey replaces the last: answers to the old one are dropped as stale. The nng-style
/// ``send(_:)`` and ``receive()`` are here too, and ``makeContext()`` gives more survey slots
/// over the same socket, so that several surveys run at once, each with its own deadline.
public final class Surveyor0: Socket {
  let core: SocketCore<Surveyor0Machine>
  /// The context behind the socket's own ``survey(_:)``, ``send(_:)`` and ``receive()``.
  private let defaultContext: Context
  /// The machinery behind the socket. Not for direct use.
  public var socketHandle: SocketHandle { SocketHandle(core: core) }

  /// Creates a surveyor socket.
  public init(name: String? = nil, options: SocketOptions = SocketOptions()) {
    core = SocketCore(machine: Surveyor0Machine(), options: options, name: name)
    defaultContext = Context(owner: nil, core: core, timeouts: nil)
  }

  deinit { core.close() }

  /// Sends a survey and returns its answers as they arrive; the sequence ends at the deadline.
  public func survey(_ message: Message) async throws -> SurveyResponses {
    try await defaultContext.survey(message)
  }

  /// Sends a survey (nng style); collect its answers with ``receive()``.
  public func send(_ message: Message) async throws {
    try await defaultContext.send(message)
  }

  /// Receives the next answer to the current survey.
  ///
  /// - Throws: ``SPError/badState(_:)`` before any survey or after the survey's deadline;
  ///   ``SPError/timedOut`` when the deadline passes while it waits.
  public func receive() async throws -> Message {
    try await defaultContext.receive()
  }

  /// Sends a survey (nng style) only if that is possible without waiting.
  ///
  /// - Returns: `false` if the send would wait: nothing was sent, and the last survey stands.
  public func trySend(_ message: Message) throws(SPError) -> Bool {
    try defaultContext.trySend(message)
  }

  /// Takes an answer to the current survey that has already arrived, without waiting.
  ///
  /// - Returns: the answer, or `nil` if none is waiting.
  /// - Throws: ``SPError/badState(_:)`` before any survey or after the survey's deadline.
  public func tryReceive() throws(SPError) -> Message? {
    try defaultContext.tryReceive()
  }

  /// Makes a context: a survey slot of its own over this socket, as nng's contexts are. Its
  /// survey time and timeouts start as the socket's options are now.
  public func makeContext() -> Context {
    Context(owner: self, core: core, timeouts: .init(core.options))
  }

  /// One survey at a time, beside any number of other contexts on the same socket, each with
  /// its own survey time and timeouts.
  public final class Context: Sendable {
    /// The socket, kept alive while its contexts are.
    private let owner: Surveyor0?
    private let core: SocketCore<Surveyor0Machine>
    private let state: Lock<(timeouts: Timeouts?, current: (id: UInt32, deadline: ContinuousClock.Instant)?)>

    /// A context's own times (`nil` for the socket's context, which reads the socket's).
    struct Timeouts {
      var survey: Duration
      var send: Duration?
      var receive: Duration?

      init(_ options: SocketOptions) {
        survey = options.surveyTime
        send = options.sendTimeout
        receive = options.receiveTimeout
      }
    }

    init(owner: Surveyor0?, core: SocketCore<Surveyor0Machine>, timeouts: Timeouts?) {
      self.owner = owner
      self.core = core
      self.state = Lock.make((timeouts, nil))
    }

    deinit {
      if let survey = state.withLock({ $0.current }) { core.endSurvey(survey.id) }
    }

    private var timeouts: Timeouts {
      state.withLock { $0.timeouts } ?? Timeouts(core.options)
    }

    /// How long this context's surveys collect answers.
    public var surveyTime: Duration {
      get { timeouts.survey }
      set { state.withLock { $0.timeouts?.survey = newValue } }
    }

    /// How long ``send(_:)`` may wait for a pipe; `nil` waits forever.
    public var sendTimeout: Duration? {
      get { timeouts.send }
      set { state.withLock { $0.timeouts?.send = newValue } }
    }

    /// How long ``receive()`` waits for an answer (never past the survey's deadline); `nil`
    /// waits until the deadline.
    public var receiveTimeout: Duration? {
      get { timeouts.receive }
      set { state.withLock { $0.timeouts?.receive = newValue } }
    }

    /// Sends a survey and returns its answers as they arrive; the sequence ends at the deadline.
    public func survey(_ message: Message) async throws -> SurveyResponses {
      let (id, deadline) = try await start(message)
      return SurveyResponses(context: self, id: id, deadline: deadline)
    }

    /// Sends a survey (nng style); collect its answers with ``receive()``. The context's
    /// previous survey ends: its pending ``receive()`` fails with ``SPError/cancelled(_:)``.
    public func send(_ message: Message) async throws {
      _ = try await start(message)
    }

    private func start(_ message: Message) async throws -> (UInt32, ContinuousClock.Instant) {
      let timeouts = timeouts
      let (id, survey) = core.startSurvey(message)
      let deadline = ContinuousClock.now + timeouts.survey
      makeCurrent(id, deadline: deadline)
      try await core.send(survey, timeout: timeouts.send)
      return (id, deadline)
    }

    /// Makes `id` this context's survey, ending the one before.
    private func makeCurrent(_ id: UInt32, deadline: ContinuousClock.Instant) {
      let previous = state.withLock { state in
        defer { state.current = (id, deadline) }
        return state.current
      }
      if let previous {
        core.endSurvey(previous.id)?.resume(throwing: SPError.cancelled("a newer survey replaced this one"))
      }
    }

    /// Sends a survey only if that is possible without waiting.
    ///
    /// - Returns: `false` if the send would wait: nothing was sent, and this context's last
    ///   survey stands.
    /// - Throws: ``SPError/closed``.
    public func trySend(_ message: Message) throws(SPError) -> Bool {
      let (id, survey) = core.startSurvey(message)
      do {
        guard try core.trySend(survey) else {
          core.endSurvey(id)
          return false
        }
      } catch {
        core.endSurvey(id)
        throw error
      }
      makeCurrent(id, deadline: ContinuousClock.now + timeouts.survey)
      return true
    }

    /// Takes an answer to this context's survey that has already arrived, without waiting.
    ///
    /// - Returns: the answer, or `nil` if none is waiting.
    /// - Throws: ``SPError/badState(_:)`` before any survey or after the survey's deadline;
    ///   ``SPError/closed``.
    public func tryReceive() throws(SPError) -> Message? {
      guard let survey = state.withLock({ $0.current }) else {
        throw .badState("receive on a surveyor needs a survey sent first")
      }
      guard ContinuousClock.now < survey.deadline else {
        core.endSurvey(survey.id)
        throw .badState("the survey's deadline has passed")
      }
      return try core.tryTakeReply(to: survey.id)
    }

    /// Receives the next answer to this context's current survey.
    ///
    /// - Throws: ``SPError/badState(_:)`` before any survey or after the survey's deadline;
    ///   ``SPError/timedOut`` when the deadline passes while it waits.
    public func receive() async throws -> Message {
      guard let survey = state.withLock({ $0.current }) else {
        throw SPError.badState("receive on a surveyor needs a survey sent first")
      }
      return try await receive(for: survey.id, until: survey.deadline)
    }

    func receive(for id: UInt32, until deadline: ContinuousClock.Instant) async throws -> Message {
      let remaining = ContinuousClock.now.duration(to: deadline)
      guard remaining > .zero else {
        core.endSurvey(id)
        throw SPError.badState("the survey's deadline has passed")
      }
      let timeout = timeouts.receive.map { min($0, remaining) } ?? remaining
      do {
        return try await core.awaitReply(to: id, sending: nil, timeout: timeout)
      } catch SPError.timedOut where ContinuousClock.now >= deadline {
        core.endSurvey(id)
        throw SPError.timedOut
      }
    }

    /// Whether `id` is still this context's survey.
    func isCurrent(_ id: UInt32) -> Bool {
      state.withLock { $0.current?.id == id }
    }
  }
}

extension SocketCore where Machine == Surveyor0Machine {
  /// Starts a survey: an ID, and a queue for its answers.
  func startSurvey(_ message: Message) -> (id: UInt32, message: Message) {
    state.withLock { state in
      let started = state.machine.makeSurvey(message)
      state.openReplies(started.id)
      return started
    }
  }

  /// Ends a survey: later answers are stale. Returns a receive still waiting, to fail.
  @discardableResult
  func endSurvey(_ id: UInt32) -> UnsafeContinuation<Message, any Error>? {
    state.withLock { state in
      state.machine.endSurvey(id)
      return state.closeReplies(id)
    }
  }
}

/// The answers to one survey, until its deadline (or until a newer survey replaces it).
public struct SurveyResponses: AsyncSequence, Sendable {
  /// An answer.
  public typealias Element = Message
  let context: Surveyor0.Context
  let id: UInt32
  let deadline: ContinuousClock.Instant

  /// Iterates over the answers.
  public struct AsyncIterator: AsyncIteratorProtocol {
    let context: Surveyor0.Context
    let id: UInt32
    let deadline: ContinuousClock.Instant

    /// The next answer, or `nil` at the deadline.
    public mutating func next() async throws -> Message? {
      guard context.isCurrent(id) else { return nil }
      do {
        return try await context.receive(for: id, until: deadline)
      } catch SPError.timedOut, SPError.badState, SPError.cancelled {
        return nil
      }
    }
  }

  /// Makes an iterator.
  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(context: context, id: id, deadline: deadline)
  }
}

/// A respondent (`respondent0`): receives surveys and answers each on the connection it came
/// from.
public final class Respondent0: Socket {
  /// A context: receive a survey, then answer it, beside other contexts on the same socket.
  public typealias Context = ReplyContext

  let core: SocketCore<Respondent0Machine>
  /// The context behind the socket's own ``receive()`` and ``send(_:)``.
  private let defaultContext: Context
  /// The machinery behind the socket. Not for direct use.
  public var socketHandle: SocketHandle { SocketHandle(core: core) }

  /// Creates a respondent socket.
  public init(name: String? = nil, options: SocketOptions = SocketOptions()) {
    core = SocketCore(machine: Respondent0Machine(maxTTL: options.maxTTL), options: options, name: name)
    defaultContext = ReplyContext(owner: nil, core: core, timeouts: nil)
  }

  deinit { core.close() }

  /// Receives the next survey, to answer with ``Request/reply(_:)``.
  public func nextSurvey() async throws -> Request {
    Request(message: try await core.receive(), send: core.send)
  }

  /// Receives the next survey (nng style); answer it with ``send(_:)``.
  public func receive() async throws -> Message {
    try await defaultContext.receive()
  }

  /// Answers the survey last received with ``receive()`` (nng style).
  ///
  /// - Throws: ``SPError/badState(_:)`` if there is no survey to answer.
  public func send(_ message: Message) async throws {
    try await defaultContext.send(message)
  }

  /// Takes a survey already received, without waiting (nng style, with `NNG_FLAG_NONBLOCK`);
  /// answer it with ``send(_:)`` or ``trySend(_:)``.
  ///
  /// - Returns: the survey, or `nil` if none has arrived.
  public func tryReceive() throws(SPError) -> Message? {
    try defaultContext.tryReceive()
  }

  /// Answers the survey last received only if that is possible without waiting.
  ///
  /// - Returns: `false` if its connection cannot take the answer now (it was not sent).
  /// - Throws: ``SPError/badState(_:)`` if there is no survey to answer.
  public func trySend(_ message: Message) throws(SPError) -> Bool {
    try defaultContext.trySend(message)
  }

  /// Makes a context: a receive-then-answer slot of its own over this socket, as nng's
  /// contexts are. Its timeouts start as the socket's options are now.
  public func makeContext() -> Context {
    ReplyContext(owner: self, core: core, timeouts: .init(core.options))
  }
}
