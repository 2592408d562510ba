import struct StarlingChannels.Lock

/// A simulated network in the process: hosts, links between them with latency, jitter and
/// bandwidth, and the faults of real networks (cut links, crashed hosts, reset connections),
/// on a clock you can control. Every socket type runs over it unchanged, at `virtual://HOST/NAME`
/// addresses, so a distributed system can be tested in milliseconds and the same way every run.
///
/// ```swift
/// let network = VirtualNetwork(seed: 7)
/// let client = try network.addHost("client")
/// let server = try network.addHost("server")
/// try network.link(client, server, VirtualLinkConditions(latency: .milliseconds(20)))
/// ```
///
/// Random choices (each message's jitter, whether a faulty link resets a connection) come from
/// a generator seeded with ``seed``: the same seed and the same messages sent in the same order
/// give the same delays and faults. Time is the clock's: with a manual clock, messages arrive
/// when the test moves the clock past their arrival time.
///
/// See <doc:VirtualNetwork>.
public final class VirtualNetwork: Sendable {
  private struct State {
    var machine: VirtualNetworkStateMachine
    var listeners: [VirtualNetworkStateMachine.ListenerID: VirtualListener] = [:]
    var connections: [VirtualNetworkStateMachine.ConnectionID: VirtualConnection] = [:]
  }

  /// The seed of the generator behind jitter and faults.
  public let seed: UInt64
  let clock: VirtualClock
  private let state: Lock<State>

  /// A network on `clock`, drawing its random choices from `seed`.
  ///
  /// - Parameters:
  ///   - seed: the generator's seed: the same seed gives the same jitter and faults.
  ///   - clock: the clock messages travel by; a manual clock lets a test move time itself.
  ///   - recordsEvents: whether to keep every message, connection, refusal and reset in
  ///     ``events`` (for tests; it grows with the traffic).
  public init<C: Clock>(seed: UInt64 = 0, clock: C, recordsEvents: Bool = false)
  where C.Duration == Duration {
    self.seed = seed
    self.clock = VirtualClock(clock)
    state = Lock.make(State(machine: VirtualNetworkStateMachine(seed: seed, recordsEvents: recordsEvents)))
  }

  /// A network on the real (continuous) clock, drawing its random choices from `seed`.
  ///
  /// - Parameters:
  ///   - seed: the generator's seed: the same seed gives the same jitter and faults.
  ///   - recordsEvents: whether to keep every message, connection, refusal and reset in
  ///     ``events``.
  public convenience init(seed: UInt64 = 0, recordsEvents: Bool = false) {
    self.init(seed: seed, clock: ContinuousClock(), recordsEvents: recordsEvents)
  }

  /// The virtual time: how long the network has run on its clock.
  public var now: Duration { clock.now }

  /// What happened so far, oldest first, if the network was made with `recordsEvents`.
  public var events: [VirtualNetworkEvent] {
    state.withLock { $0.machine.events }
  }

  // MARK: Hosts and links

  /// Adds a host named `name`, up.
  ///
  /// - Throws: ``SPError/invalidAddress(_:reason:)`` for a name an address cannot hold (empty,
  ///   or with `/`, `:`, `?`, `#` or whitespace), ``SPError/badState(_:)`` if the network has a
  ///   host of that name.
  @discardableResult
  public func addHost(_ name: String) throws(SPError) -> VirtualHost {
    if name.isEmpty || name.contains(where: { "/:?#".contains($0) || $0.isWhitespace }) {
      throw .invalidAddress(
        "virtual://\(name)", reason: "a host name must be non-empty, without '/', ':', '?', '#' or spaces")
    }
    guard state.withLock({ $0.machine.addHost(name) }) else {
      throw .badState("the virtual network has a host named '\(name)' already")
    }
    return VirtualHost(name: name, network: self)
  }

  /// The host named `name`, if the network has one.
  public func host(_ name: String) -> VirtualHost? {
    state.withLock { $0.machine.hosts[name] } == nil ? nil : VirtualHost(name: name, network: self)
  }

  /// Joins `a` and `b` with a link under `conditions`, or gives their link new conditions (for
  /// messages sent from now on; a cut link stays cut). A host reaches itself without a link,
  /// at once.
  ///
  /// - Throws: ``SPError/badState(_:)`` for a host of another network, or conditions that
  ///   cannot be (a negative time, a probability outside 0 to 1 …), saying which.
  public func link(
    _ a: VirtualHost, _ b: VirtualHost, _ conditions: VirtualLinkConditions = VirtualLinkConditions()
  ) throws(SPError) {
    try check(a, b)
    if let problem = conditions.problem { throw .badState("link \(a)-\(b): \(problem)") }
    _ = state.withLock { $0.machine.link(a.name, b.name, conditions) }
  }

  /// Cuts the link between `a` and `b`: their connections reset at once (both ends see the pipe
  /// close, messages in flight are lost) and dials between them fail until ``heal(_:_:)``.
  ///
  /// - Throws: ``SPError/badState(_:)`` if no link joins them.
  public func cut(_ a: VirtualHost, _ b: VirtualHost) throws(SPError) {
    try checkLink(a, b)
    let now = clock.now
    let reset = state.withLock { state in
      state.machine.cut(a.name, b.name, now: now).compactMap { state.connections.removeValue(forKey: $0) }
    }
    let reason = SPError.connectionFailed("connection reset: the link between \(a) and \(b) was cut")
    for connection in reset { connection.reset(reason: reason) }
  }

  /// Heals the cut link between `a` and `b`: dials between them succeed again, and dialers
  /// reconnect on their own.
  ///
  /// - Throws: ``SPError/badState(_:)`` if no link joins them.
  public func heal(_ a: VirtualHost, _ b: VirtualHost) throws(SPError) {
    try checkLink(a, b)
    state.withLock { $0.machine.heal(a.name, b.name) }
  }

  private func check(_ hosts: VirtualHost...) throws(SPError) {
    for host in hosts where host.network !== self {
      throw .badState("host \(host) is on another virtual network")
    }
  }

  private func checkLink(_ a: VirtualHost, _ b: VirtualHost) throws(SPError) {
    try check(a, b)
    guard state.withLock({ $0.machine.isCut(a.name, b.name) }) != nil else {
      throw .badState("no link joins \(a) and \(b)")
    }
  }

  func crash(_ host: VirtualHost) {
    let now = clock.now
    let reset = state.withLock { state in
      state.machine.crash(host.name, now: now).compactMap { state.connections.removeValue(forKey: $0) }
    }
    let reason = SPError.connectionFailed("connection reset: host \(host) crashed")
    for connection in reset { connection.reset(reason: reason) }
  }

  func restart(_ host: VirtualHost) {
    state.withLock { $0.machine.restart(host.name) }
  }

  func isUp(_ host: VirtualHost) -> Bool {
    state.withLock { $0.machine.hosts[host.name] } ?? false
  }

  // MARK: Listening and connecting

  /// Listens for `owner` at `name` on `host` (the two parts of `address`).
  func listen(
    _ name: String, on host: String, owner: any PipeOwner, address: Address
  ) throws(SPError) -> VirtualListener {
    try state.withLock { state -> Result<VirtualListener, SPError> in
      switch state.machine.listen(host: host, name: name) {
      case .success(let id):
        let listener = VirtualListener(id: id, address: address, network: self, owner: owner)
        state.listeners[id] = listener
        return .success(listener)
      case .failure(.inUse): return .failure(.addressInUse(address.url))
      case .failure(let refusal): return .failure(.connectionFailed("\(address.url): \(refusal.reason)"))
      }
    }.get()
  }

  func unlisten(_ listener: VirtualListener) {
    state.withLock { state in
      state.machine.unlisten(listener.id)
      state.listeners[listener.id] = nil
    }
  }

  /// Connects `owner`, on host `from`, to the listener at `name` on host `to`: returns the
  /// connection, its ends attached to both sockets.
  func connect(
    to name: String, on host: String, from: String, owner: any PipeOwner, url: String
  ) throws(SPError) -> VirtualConnection {
    let now = clock.now
    let (connection, listener) = try state.withLock {
      state -> Result<(VirtualConnection, VirtualListener), SPError> in
      switch state.machine.connect(from: from, to: host, name: name, now: now) {
      case .failure(.noListener): return .failure(.connectionRefused(url))
      case .failure(let refusal): return .failure(.connectionFailed("\(url): \(refusal.reason)"))
      case .success(let (id, listenerID)):
        guard let listener = state.listeners[listenerID] else {
          state.machine.close(id)
          return .failure(.connectionRefused(url))
        }
        guard owner.identity.peerNumber == listener.owner.identity.number else {
          state.machine.close(id)
          return .failure(
            .peerMismatch(expected: owner.identity.peerNumber, actual: listener.owner.identity.number))
        }
        let connection = VirtualConnection(
          id: id, network: self, dialer: (owner, from), listener: (listener.owner, host))
        state.connections[id] = connection
        return .success((connection, listener))
      }
    }.get()
    guard listener.add(connection) else {
      abort(connection)
      throw .connectionRefused(url)
    }
    guard listener.owner.attach(connection.listenerEnd) else {
      abort(connection)
      throw .badState("the listening socket refused the connection")
    }
    guard owner.attach(connection.dialerEnd) else {
      abort(connection)
      throw .badState("the socket refused the connection")
    }
    return connection
  }

  private func abort(_ connection: VirtualConnection) {
    forget(connection)
    connection.reset(reason: nil)
  }

  // MARK: Traffic

  /// Puts a message from `side` of `connection` on its way, or resets the connection if the
  /// link decides so.
  func send(_ message: Message, on connection: VirtualConnection, from side: VirtualNetworkStateMachine.Side)
  {
    // The receiving protocol reads its header off the front of the body, as from the wire.
    let delivered = message.wireForm
    let bytes = delivered.body.readableBytes
    let stream = connection.stream(from: side)
    let outcome = state.withLock { state -> Result<VirtualStream.Notice?, SPError> in
      switch state.machine.send(connection.id, from: side, bytes: bytes, now: clock.now) {
      case .arrives(let arrival):
        return .success(stream.enqueue(.message(delivered, bytes: bytes), arrival: arrival))
      case .reset(let reason):
        state.connections[connection.id] = nil
        return .failure(.connectionFailed("connection reset: \(reason)"))
      case .gone:
        return .success(nil)
      }
    }
    switch outcome {
    case .success(let notice): if let notice { stream.post(notice) }
    case .failure(let reason): connection.reset(reason: reason)
    }
  }

  /// Tells the other end of `connection` that `side` closed, after what `side` sent.
  func sendClose(on connection: VirtualConnection, from side: VirtualNetworkStateMachine.Side) {
    let stream = connection.stream(from: side)
    let notice = state.withLock { state -> VirtualStream.Notice? in
      guard state.machine.isOpen(connection.id) else { return nil }
      let arrival = state.machine.closeArrival(connection.id, from: side, now: clock.now)
      return stream.enqueue(.close, arrival: arrival)
    }
    if let notice { stream.post(notice) }
  }

  /// Forgets a connection whose ends have both closed.
  func forget(_ connection: VirtualConnection) {
    state.withLock { state in
      state.machine.close(connection.id)
      state.connections[connection.id] = nil
    }
  }
}
