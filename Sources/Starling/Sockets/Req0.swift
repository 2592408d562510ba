import Synchronization

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
/// send abandons the previous request.
public final class Req0: Socket {
  let core: SocketCore<Req0Machine>
  /// One timer for the whole socket sends overdue requests again (nng checks once a second).
  private let resender = Lock<Task<Void, Never>?>.make(nil)
  /// The machinery behind the socket. Not for direct use.
  public var socketHandle: SocketHandle { SocketHandle(core: core) }

  /// Creates a req socket.
  public init(name: String? = nil, options: SocketOptions = SocketOptions()) {
    var machine = Req0Machine()
    machine.resendTime = options.resendTime
    core = SocketCore(machine: machine, options: options, name: name)
  }

  deinit {
    resender.withLock { $0?.cancel() }
    core.close()
  }

  /// Starts the socket's resend timer, once.
  private func startResending() {
    resender.withLock { task in
      guard task == nil else { return }
      task = Task { [weak core] in
        while let interval = core?.options.resendTime {
          let tick = max(.milliseconds(1), min(interval / 4, .seconds(1)))
          do { try await Task.sleep(for: tick) } catch { return }
          guard let core, !core.isClosed else { return }
          core.resendOverdueRequests()
        }
      }
    }
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
    let (id, request) = core.state.withLock { $0.machine.makeRequest(message) }
    startResending()
    defer { core.state.withLock { $0.machine.finishRequest(id) } }
    return try await core.awaitReply(to: id, sending: request, timeout: timeout)
  }

  /// Sends a request (nng style). Its reply is for ``receive()``. A request still waiting for
  /// its reply is abandoned: its pending ``receive()`` fails with ``SPError/cancelled(_:)``.
  public func send(_ message: Message) async throws {
    let (superseded, request) = core.state.withLock { state in
      let superseded = state.machine.current.flatMap { old in
        state.machine.finishRequest(old)
        return state.replies.removeValue(forKey: old)
      }
      let (id, request) = state.machine.makeRequest(message)
      state.machine.current = id
      return (superseded, (id, request))
    }
    if case .waiting(_, let receiver) = superseded {
      receiver.resume(throwing: SPError.cancelled("the request was superseded by a newer one"))
    }
    startResending()
    try await core.send(request.1)
  }

  /// Receives the reply to the last request sent with ``send(_:)``.
  ///
  /// - Throws: ``SPError/badState(_:)`` if no request is outstanding (receive before send);
  ///   ``SPError/timedOut``, ``SPError/closed``, `CancellationError`.
  public func receive() async throws -> Message {
    guard let id = core.state.withLock({ $0.machine.current }) else {
      throw SPError.badState("receive on a req socket needs a request sent first")
    }
    let reply = try await core.awaitReply(to: id, sending: nil, timeout: options.receiveTimeout)
    core.state.withLock { state in
      if state.machine.current == id { state.machine.current = nil }
    }
    return reply
  }
}

extension SocketCore where Machine == Req0Machine {
  /// Waits for the reply to request `id`, first routing `request` if given.
  func awaitReply(to id: UInt32, sending request: Message?, timeout: Duration?) async throws -> Message {
    let waiterID = state.withLock { $0.makeWaiterID() }
    return try await withTimeout(
      timeout, waiterID: waiterID,
      removing: { [self] waiterID in
        state.withLock { $0.removeReplyWaiter(requestID: id, waiterID: waiterID) }
      }
    ) {
      try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Message, any Error>) in
        var effects = SocketCoreState<Machine>.Effects()
        let outcome = state.withLock { state -> Result<Message, any Error>? in
          if case .arrived(let reply) = state.replies[id] {
            state.replies[id] = nil
            return .success(reply)
          }
          if state.isClosed { return .failure(SPError.closed) }
          if Task.isCancelled { return .failure(CancellationError()) }
          guard request != nil || state.machine.outstanding[id] != nil else {
            return .failure(SPError.cancelled("the request was superseded by a newer one"))
          }
          state.replies[id] = .waiting(waiterID, continuation)
          if let request {
            state.route(request, continuation: nil, waiterID: state.makeWaiterID(), into: &effects)
          }
          return nil
        }
        effects.run()
        if let outcome { continuation.resume(with: outcome) }
      }
    }
  }

  /// Sends every request whose resend time has passed again, byte for byte.
  func resendOverdueRequests() {
    var effects = SocketCoreState<Machine>.Effects()
    state.withLock { state in
      state.machine.resendTime = state.options.resendTime
      for request in state.machine.dueForResend(now: .now) {
        state.route(request, continuation: nil, waiterID: state.makeWaiterID(), into: &effects)
      }
    }
    effects.run()
  }
}
