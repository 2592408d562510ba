import CoreMetrics
import Logging
import NIOCore
import Synchronization

import struct StarlingChannels.Lock

/// The machinery every socket shares: pipes, queues, waiting callers, timeouts, endpoints.
///
/// The protocol decides; the core carries out. Public socket types (``Push0``, ``Req0`` …)
/// wrap a core and offer only the operations their protocol has.
final class SocketCore<Machine: ProtocolMachine>: PipeOwner {
  let state: Lock<SocketCoreState<Machine>>
  let logger: Logger
  let metrics: SocketMetrics
  /// The clock of the socket's timers: its options' clock when it was made.
  let clock: AnyClock
  private let endpoints = Lock<[any Endpoint]>.make([])
  private let filter = Lock<(@Sendable (PipeInfo) -> Bool)?>.make(nil)

  var identity: SPProtocol { Machine.identity }

  init(machine: Machine, options: SocketOptions, name: String?) {
    state = Lock.make(SocketCoreState(machine: machine, options: options))
    clock = options.clock
    var logger = Logger(label: "starling.socket")
    logger[metadataKey: "sp.protocol"] = "\(Machine.identity.name)"
    if let name { logger[metadataKey: "sp.socket"] = "\(name)" }
    self.logger = logger
    metrics = SocketMetrics(socket: name, protocol: Machine.identity)
  }

  /// Carries out what a transition decided (outside the lock), and counts and logs it.
  func run(_ effects: SocketCoreState<Machine>.Effects) {
    effects.run()
    let report = effects.report
    if report.messagesIn > 0 {
      metrics.messagesIn.increment(by: report.messagesIn)
      metrics.bytesIn.increment(by: report.bytesIn)
    }
    if report.messagesOut > 0 {
      metrics.messagesOut.increment(by: report.messagesOut)
      metrics.bytesOut.increment(by: report.bytesOut)
    }
    for drop in report.drops {
      metrics.dropped(drop.reason, count: drop.count)
      logger.debug(
        "dropped \(drop.count == 1 ? "a message" : "\(drop.count) messages"): \(drop.reason.explanation)",
        metadata: drop.pipe.map { ["sp.pipe": "\($0)"] })
    }
    if let added = report.pipeAdded {
      metrics.pipe(added: true, transport: added.transport)
      metrics.pipesOpen.increment()
    }
    if let removed = report.pipeRemoved {
      metrics.pipe(added: false, transport: removed.transport)
      metrics.pipesOpen.decrement()
    }
  }

  /// Decides which pipes the socket takes; see ``Socket/pipeFilter``.
  var pipeFilter: (@Sendable (PipeInfo) -> Bool)? {
    get { filter.withLock { $0 } }
    set { filter.withLock { $0 = newValue } }
  }

  /// Pipe events from now on, starting with the pipes open now.
  func pipeEvents() -> AsyncStream<PipeEvent> {
    let (events, continuation) = AsyncStream.makeStream(of: PipeEvent.self)
    let id = state.withLock { $0.makeWaiterID() }
    continuation.onTermination = { [weak self] _ in
      _ = self?.state.withLock { $0.eventSubscribers.removeValue(forKey: id) }
    }
    run(state.withLock { $0.subscribe(continuation, id: id) })
    return events
  }

  /// Counts a dialer connecting again after it lost (or never had) its connection.
  func recordReconnect() {
    state.withLock { $0.statistics.reconnects += 1 }
    metrics.reconnects.increment()
  }

  var options: SocketOptions {
    get { state.withLock { $0.options } }
    set {
      state.withLock { state in
        state.options = newValue
        state.options.clock = clock  // the socket keeps the clock it was made with
      }
    }
  }

  var statistics: SocketStatistics { state.withLock { $0.statistics } }

  var isClosed: Bool { state.withLock { $0.isClosed } }

  // MARK: Endpoints

  func add(_ endpoint: any Endpoint) throws(SPError) {
    let closed = state.withLock { $0.isClosed }
    if closed {
      endpoint.close()
      throw .closed
    }
    endpoints.withLock { endpoints in
      endpoints.removeAll { $0.isClosed }
      endpoints.append(endpoint)
    }
  }

  // MARK: PipeOwner

  func attach(_ pipe: any PipeConnection) -> Bool {
    if let accept = pipeFilter, !accept(PipeInfo(pipe)) {
      state.withLock { $0.statistics.pipesRefused += 1 }
      metrics.pipesRefused.increment()
      logger.info("pipe refused by the socket's pipe filter", metadata: pipeMetadata(pipe))
      return false
    }
    switch state.withLock({ $0.attach(pipe) }) {
    case .success(let effects):
      logger.debug("pipe added", metadata: pipeMetadata(pipe))
      run(effects)
      return true
    case .failure(let error):
      if error != .closed { metrics.pipesRefused.increment() }
      logger.info("pipe refused: \(error)", metadata: pipeMetadata(pipe))
      return false
    }
  }

  func received(_ message: Message, on pipe: PipeID) {
    var effects = SocketCoreState<Machine>.Effects()
    state.withLock { $0.received(message, on: pipe, into: &effects) }
    reportReceived(effects, on: pipe)
  }

  func received(_ messages: [Message], on pipe: PipeID) {
    var effects = SocketCoreState<Machine>.Effects()
    state.withLock { state in
      for message in messages {
        state.received(message, on: pipe, into: &effects)
        // The rest of a read from a pipe the protocol closes is not the peer's to deliver.
        if !effects.closePipes.isEmpty { break }
      }
    }
    reportReceived(effects, on: pipe)
  }

  /// Carries out what receiving decided, logging a pipe closed for breaking the protocol.
  private func reportReceived(_ effects: SocketCoreState<Machine>.Effects, on pipe: PipeID) {
    if !effects.closePipes.isEmpty, let error = statistics.lastPipeError {
      logger.warning("closing pipe: \(error)", metadata: ["sp.pipe": "\(pipe)"])
      metrics.protocolError(error)
    }
    run(effects)
  }

  func isReading(_ pipe: PipeID) -> Bool {
    state.withLock { $0.paused[pipe] == nil }
  }

  func writabilityChanged(_ pipe: PipeID, writable: Bool, sequence: UInt64) {
    run(state.withLock { $0.writabilityChanged(pipe, writable: writable, sequence: sequence) })
  }

  func detach(_ pipe: PipeID, reason: SPError?) {
    let effects = state.withLock { $0.detach(pipe, reason: reason) }
    if let reason {
      logger.info("pipe closed: \(reason)", metadata: ["sp.pipe": "\(pipe)"])
      metrics.protocolError(reason)
    } else {
      logger.debug("pipe closed", metadata: ["sp.pipe": "\(pipe)"])
    }
    run(effects)
  }

  func connectionFailed(_ reason: SPError, peer: String) {
    state.withLock { $0.recordFailure(reason) }
    metrics.protocolError(reason)
    logger.warning("connection from \(peer) failed: \(reason)")
  }

  private func pipeMetadata(_ pipe: any PipeConnection) -> Logger.Metadata {
    ["sp.pipe": "\(pipe.id)", "sp.transport": "\(pipe.transportName)", "sp.peer": "\(pipe.peerDescription)"]
  }

  // MARK: Sending and receiving

  /// Sends a message, waiting (up to the send timeout) while no pipe can take it.
  func send(_ message: Message) async throws {
    try await send(message, timeout: nil, useSocketTimeout: true)
  }

  /// Sends a message, waiting up to `timeout` (forever for `nil`) while no pipe can take it.
  func send(_ message: Message, timeout: Duration?) async throws {
    try await send(message, timeout: timeout, useSocketTimeout: false)
  }

  /// Routes `message` if a pipe can take it now and no earlier send waits; never waits.
  func attemptSend(_ message: Message) -> SocketCoreState<Machine>.Attempt {
    var effects = SocketCoreState<Machine>.Effects()
    let attempt = state.withLock { state -> SocketCoreState<Machine>.Attempt in
      if state.isClosed { return .failed(.closed) }
      guard state.senders.isEmpty else { return .wait }
      return state.attempt(message, into: &effects)
    }
    run(effects)
    return attempt
  }

  private func send(_ message: Message, timeout: Duration?, useSocketTimeout: Bool) async throws {
    // Fast path: a pipe can take it now and no earlier send waits. No continuation, no timer.
    switch attemptSend(message) {
    case .done: return
    case .failed(let error): throw error
    case .wait:
      let (id, socketTimeout) = state.withLock { ($0.makeWaiterID(), $0.options.sendTimeout) }
      try await sendWaiting(message, id: id, timeout: useSocketTimeout ? socketTimeout : timeout)
    }
  }

  private func sendWaiting(_ message: Message, id: UInt64, timeout: Duration?) async throws {
    try await withTimeout(timeout, waiterID: id, removing: { $0.removeSender($1) }) { expiry in
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
        var effects = SocketCoreState<Machine>.Effects()
        // Checked in the lock that registers the send: a cancellation or a timeout that came
        // before finds nothing to remove, so it is seen here instead.
        let outcome = state.withLock { state -> (any Error)? in
          if state.isClosed { return SPError.closed }
          if Task.isCancelled { return CancellationError() }
          if expiry?.expired == true { return SPError.timedOut }
          state.route(message, continuation: continuation, waiterID: id, into: &effects)
          return nil
        }
        run(effects)
        if let outcome { continuation.resume(throwing: outcome) }
      }
    }
  }

  private func removeSender(_ id: UInt64) -> UnsafeContinuation<Void, any Error>? {
    state.withLock { $0.removeSender(id: id) }
  }

  /// Receives the next message, waiting (up to the receive timeout) until one arrives.
  func receive() async throws -> Message {
    try await receive(timeout: nil, useSocketTimeout: true)
  }

  /// Receives the next message, waiting at most `timeout` (forever for `nil`).
  func receive(timeout: Duration?) async throws -> Message {
    try await receive(timeout: timeout, useSocketTimeout: false)
  }

  private func receive(timeout: Duration?, useSocketTimeout: Bool) async throws -> Message {
    // Fast path: a queued message, taken under one lock, with no continuation and no timer.
    var effects = SocketCoreState<Machine>.Effects()
    let (queued, id, socketTimeout) = state.withLock { state in
      (state.takeFromInbox(into: &effects), state.makeWaiterID(), state.options.receiveTimeout)
    }
    run(effects)
    if let queued { return queued }
    return try await withTimeout(
      useSocketTimeout ? socketTimeout : timeout, waiterID: id, removing: { $0.removeReceiver($1) }
    ) { expiry in
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Message, any Error>) in
        var effects = SocketCoreState<Machine>.Effects()
        let outcome = state.withLock { state -> Result<Message, any Error>? in
          if let message = state.takeFromInbox(into: &effects) { return .success(message) }
          if state.isClosed { return .failure(SPError.closed) }
          if Task.isCancelled { return .failure(CancellationError()) }
          if expiry?.expired == true { return .failure(SPError.timedOut) }
          state.receivers.append((id, continuation))
          return nil
        }
        run(effects)
        if let outcome { continuation.resume(with: outcome) }
      }
    }
  }

  private func removeReceiver(_ id: UInt64) -> UnsafeContinuation<Message, any Error>? {
    state.withLock { $0.removeReceiver(id: id) }
  }

  /// Waits for the next answer to request or survey `id`, first routing `request` if given.
  ///
  /// - Throws: ``SPError/timedOut`` after `timeout`; ``SPError/cancelled(_:)`` if `id` is no
  ///   longer outstanding; ``SPError/closed``; `CancellationError`.
  func awaitReply(to id: UInt32, sending request: Message?, timeout: Duration?) async throws -> Message {
    let waiterID = state.withLock { $0.makeWaiterID() }
    return try await withTimeout(
      timeout, waiterID: waiterID,
      removing: { core, waiterID in core.state.withLock { $0.removeReplyWaiter(waiterID: waiterID) } }
    ) { expiry in
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Message, any Error>) in
        var effects = SocketCoreState<Machine>.Effects()
        let outcome = state.withLock { state -> Result<Message, any Error>? in
          if Task.isCancelled { return .failure(CancellationError()) }
          if expiry?.expired == true { return .failure(SPError.timedOut) }
          switch state.awaitReply(id, waiterID: waiterID, receiver: continuation) {
          case .answer(let answer): return .success(answer)
          case .failed(let error): return .failure(error)
          case .waiting:
            if let request {
              state.route(request, continuation: nil, waiterID: state.makeWaiterID(), into: &effects)
            }
            return nil
          }
        }
        run(effects)
        if let outcome { continuation.resume(with: outcome) }
      }
    }
  }

  /// Runs a wait that `removing` can take back: on cancellation it fails with
  /// `CancellationError`, after `timeout` (on the socket's clock) with ``SPError/timedOut``.
  /// (`removing` is given the core rather than capturing it, so it needs no allocation.)
  ///
  /// `operation` registers the wait under the state lock, and there checks `Task.isCancelled`
  /// and the ``TimeoutExpiry`` it is given: a cancellation or timeout that comes before the wait
  /// is registered finds nothing to remove, so the registration must see it (each sets its flag
  /// before it removes).
  func withTimeout<T>(
    _ timeout: Duration?, waiterID: UInt64,
    removing: @escaping @Sendable (SocketCore, UInt64) -> UnsafeContinuation<T, any Error>?,
    _ operation: (TimeoutExpiry?) async throws -> T
  ) async throws -> T {
    // No timeout, no expiry and no timer: a wait without one allocates neither.
    let expiry = timeout.map { _ in TimeoutExpiry() }
    let timer = timeout.map { [clock] timeout in
      Task {
        do { try await clock.sleep(for: timeout) } catch { return }
        expiry?.expire()
        removing(self, waiterID)?.resume(throwing: SPError.timedOut)
      }
    }
    defer { timer?.cancel() }
    return try await withTaskCancellationHandler {
      try await operation(expiry)
    } onCancel: {
      removing(self, waiterID)?.resume(throwing: CancellationError())
    }
  }

  // MARK: Closing

  /// Gives each pipe up to `linger` to hand its peer what it holds, then closes the socket.
  func close(linger: Duration) async {
    let pipes = state.withLock { Array($0.pipes.values) }
    await withTaskGroup(of: Void.self) { group in
      for pipe in pipes {
        group.addTask { await pipe.close(linger: linger) }
      }
    }
    close()
  }

  /// Closes the socket: every pending operation fails with ``SPError/closed``, every pipe and
  /// endpoint closes. Closing twice does nothing.
  func close() {
    let effects = state.withLock { $0.close() }
    let endpoints = self.endpoints.withLock { endpoints in
      defer { endpoints = [] }
      return endpoints
    }
    for endpoint in endpoints { endpoint.close() }
    run(effects)
  }
}

/// Whether a wait's timeout has passed; set by its timer before the timer takes the wait back.
final class TimeoutExpiry: Sendable {
  private let flag = Atomic<Bool>(false)

  /// Whether the timeout has passed.
  var expired: Bool { flag.load(ordering: .acquiring) }

  /// Marks the timeout as passed.
  func expire() { flag.store(true, ordering: .releasing) }
}

/// A dialer or listener, as the socket closes it.
protocol Endpoint: AnyObject, Sendable {
  /// Whether the endpoint was closed (on its own: the socket forgets it).
  var isClosed: Bool { get }
  /// Stops dialing or listening and closes the endpoint's pipes.
  func close()
}
