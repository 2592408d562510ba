import struct StarlingChannels.Lock

/// A surveyor (`surveyor0`): asks every respondent at once and collects the answers that
/// arrive before the survey time (``SocketOptions/surveyTime``, 1 s by default) runs out.
///
/// ```swift
/// for try await answer in try await surveyor.survey("who is there?") { … }
/// ```
///
/// A new survey replaces the last: answers to the old one are dropped as stale. The nng-style
/// ``send(_:)`` and ``receive()`` are here too.
public final class Surveyor0: Socket {
  let core: SocketCore<Surveyor0Machine>
  private let current = Lock<(id: UInt32, deadline: ContinuousClock.Instant)?>.make(nil)
  /// The machinery behind the socket. Not for direct use.
  public var socketHandle: SocketHandle { SocketHandle(core: core) }

  /// Creates a surveyor socket.
  public init(name: String? = nil, options: SocketOptions = SocketOptions()) {
    core = SocketCore(machine: Surveyor0Machine(), options: options, name: name)
  }

  deinit { core.close() }

  /// Sends a survey and returns its answers as they arrive; the sequence ends at the deadline.
  public func survey(_ message: Message) async throws -> SurveyResponses {
    let (id, deadline) = try await start(message)
    return SurveyResponses(surveyor: self, id: id, deadline: deadline)
  }

  /// Sends a survey (nng style); collect its answers with ``receive()``.
  public func send(_ message: Message) async throws {
    _ = try await start(message)
  }

  private func start(_ message: Message) async throws -> (UInt32, ContinuousClock.Instant) {
    let surveyTime = options.surveyTime
    let (id, survey) = core.state.withLock { state in
      state.inbox.removeAll()  // answers to the last survey are no longer wanted
      return state.machine.makeSurvey(message)
    }
    let deadline = ContinuousClock.now + surveyTime
    current.withLock { $0 = (id, deadline) }
    try await core.send(survey)
    return (id, deadline)
  }

  /// Receives the next answer to the current survey.
  ///
  /// - Throws: ``SPError/badState(_:)`` before any survey or after the survey's deadline;
  ///   ``SPError/timedOut`` when the deadline passes while it waits.
  public func receive() async throws -> Message {
    guard let survey = current.withLock({ $0 }) else {
      throw SPError.badState("receive on a surveyor needs a survey sent first")
    }
    return try await receive(for: survey.id, until: survey.deadline)
  }

  func receive(for id: UInt32, until deadline: ContinuousClock.Instant) async throws -> Message {
    let remaining = ContinuousClock.now.duration(to: deadline)
    guard remaining > .zero else {
      core.state.withLock { $0.machine.endSurvey(id) }
      throw SPError.badState("the survey's deadline has passed")
    }
    let timeout = options.receiveTimeout.map { min($0, remaining) } ?? remaining
    do {
      return try await core.receive(timeout: timeout)
    } catch SPError.timedOut where ContinuousClock.now >= deadline {
      core.state.withLock { $0.machine.endSurvey(id) }
      throw SPError.timedOut
    }
  }

  /// Whether `id` is still the survey being answered.
  func isCurrent(_ id: UInt32) -> Bool {
    current.withLock { $0?.id == id }
  }
}

/// The answers to one survey, until its deadline (or until a newer survey replaces it).
public struct SurveyResponses: AsyncSequence, Sendable {
  /// An answer.
  public typealias Element = Message
  let surveyor: Surveyor0
  let id: UInt32
  let deadline: ContinuousClock.Instant

  /// Iterates over the answers.
  public struct AsyncIterator: AsyncIteratorProtocol {
    let surveyor: Surveyor0
    let id: UInt32
    let deadline: ContinuousClock.Instant

    /// The next answer, or `nil` at the deadline.
    public mutating func next() async throws -> Message? {
      guard surveyor.isCurrent(id) else { return nil }
      do {
        return try await surveyor.receive(for: id, until: deadline)
      } catch SPError.timedOut, SPError.badState {
        return nil
      }
    }
  }

  /// Makes an iterator.
  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(surveyor: surveyor, id: id, deadline: deadline)
  }
}

/// A respondent (`respondent0`): receives surveys and answers each on the connection it came
/// from.
public final class Respondent0: Socket {
  let core: SocketCore<Respondent0Machine>
  private let last = Lock<Message?>.make(nil)
  /// The machinery behind the socket. Not for direct use.
  public var socketHandle: SocketHandle { SocketHandle(core: core) }

  /// Creates a respondent socket.
  public init(name: String? = nil, options: SocketOptions = SocketOptions()) {
    core = SocketCore(machine: Respondent0Machine(maxTTL: options.maxTTL), options: options, name: name)
  }

  deinit { core.close() }

  /// Receives the next survey, to answer with ``Request/reply(_:)``.
  public func nextSurvey() async throws -> Request {
    Request(message: try await core.receive(), send: core.send)
  }

  /// Receives the next survey (nng style); answer it with ``send(_:)``.
  public func receive() async throws -> Message {
    let survey = try await core.receive()
    last.withLock { $0 = survey }
    return survey
  }

  /// Answers the survey last received with ``receive()`` (nng style).
  ///
  /// - Throws: ``SPError/badState(_:)`` if there is no survey to answer.
  public func send(_ message: Message) async throws {
    guard
      let survey = last.withLock({ last in
        defer { last = nil }; return last
      })
    else {
      throw SPError.badState("send on a respondent needs a survey received first")
    }
    try await Request(message: survey, send: core.send).reply(message)
  }
}
