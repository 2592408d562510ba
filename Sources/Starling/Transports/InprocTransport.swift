import Synchronization

import struct StarlingChannels.Lock

/// The inproc transport: sockets in one process, joined by in-memory pipes, no system sockets
/// and no NIO.
///
/// A message written on one end is handed straight to the other socket. When that socket's
/// receive queue is full it stops "reading", which makes this end not writable, so senders
/// wait: the same backpressure as over tcp.
///
/// Each instance is a namespace of its own: ``shared`` is the process's, in
/// ``TransportRegistry/standard``.
final class InprocTransport: Transport {
  /// The process's inproc namespace.
  static let shared = InprocTransport()

  private let listeners = Lock<[String: InprocListener]>.make([:])

  let schemes = ["inproc"]

  func dialer(for address: Address, socket: any PipeOwner, context: TransportContext) -> any TransportDialer {
    InprocDialer(transport: self, address: address, owner: socket)
  }

  func listen(
    at address: Address, socket: any PipeOwner, context: TransportContext
  ) throws -> any TransportListener {
    let listener = InprocListener(transport: self, address: address, owner: socket)
    let added = listeners.withLock { listeners in
      guard listeners[address.path] == nil else { return false }
      listeners[address.path] = listener
      return true
    }
    guard added else { throw SPError.addressInUse(address.url) }
    return listener
  }

  func unregister(_ listener: InprocListener) {
    listeners.withLock { listeners in
      if listeners[listener.address.path] === listener { listeners[listener.address.path] = nil }
    }
  }

  /// Connects to the listener at `address`; returns the link, which closes both ends.
  func connect(_ address: Address, owner: any PipeOwner) throws(SPError) -> InprocLink {
    guard let listener = listeners.withLock({ $0[address.path] }) else {
      throw .connectionRefused(address.url)
    }
    let remote = listener.owner
    guard owner.identity.peerNumber == remote.identity.number else {
      throw .peerMismatch(expected: owner.identity.peerNumber, actual: remote.identity.number)
    }
    let link = InprocLink(dialer: owner, listener: remote)
    guard listener.add(link) else { throw .connectionRefused(address.url) }
    guard remote.attach(link.listenerEnd) else {
      link.close()
      throw .badState("the listening socket refused the connection")
    }
    guard owner.attach(link.dialerEnd) else {
      link.close()
      throw .badState("the socket refused the connection")
    }
    return link
  }
}

/// Dials an inproc name.
struct InprocDialer: TransportDialer {
  let transport: InprocTransport
  let address: Address
  let owner: any PipeOwner

  func connect() throws -> any DialedConnection {
    try transport.connect(address, owner: owner)
  }
}

/// An inproc listener: a name in the process's registry.
final class InprocListener: TransportListener {
  let address: Address
  let owner: any PipeOwner
  private let transport: InprocTransport
  private let links = AcceptedConnections<InprocLink> { !$0.isClosed }

  init(transport: InprocTransport, address: Address, owner: any PipeOwner) {
    self.transport = transport
    self.address = address
    self.owner = owner
  }

  func add(_ link: InprocLink) -> Bool {
    links.add(link)
  }

  func close() {
    transport.unregister(self)
    for link in links.close() { link.close() }
  }
}

/// The two ends of one inproc connection.
final class InprocLink: DialedConnection {
  let dialerEnd: InprocPipe
  let listenerEnd: InprocPipe
  private let closedState = Lock<(closed: Bool, waiters: [CheckedContinuation<Void, Never>])>.make(
    (false, []))

  init(dialer: any PipeOwner, listener: any PipeOwner) {
    dialerEnd = InprocPipe(owner: dialer)
    listenerEnd = InprocPipe(owner: listener)
    dialerEnd.link = self
    listenerEnd.link = self
  }

  func peer(of end: InprocPipe) -> InprocPipe? {
    end === dialerEnd ? listenerEnd : dialerEnd
  }

  func closed() async {
    await withCheckedContinuation { continuation in
      let done = closedState.withLock { state -> Bool in
        if state.closed { return true }
        state.waiters.append(continuation)
        return false
      }
      if done { continuation.resume() }
    }
  }

  func close() {
    let waiters = closedState.withLock { state -> [CheckedContinuation<Void, Never>]? in
      guard !state.closed else { return nil }
      state.closed = true
      defer { state.waiters = [] }
      return state.waiters
    }
    guard let waiters else { return }
    dialerEnd.detach()
    listenerEnd.detach()
    for waiter in waiters { waiter.resume() }
  }

  var isClosed: Bool { closedState.withLock { $0.closed } }
}

/// One end of an inproc link.
final class InprocPipe: PipeConnection {
  let id = PipeID.next()
  let transportName = "inproc"
  let peerDescription = "inproc"
  let owner: any PipeOwner
  private let linkState = Lock<InprocLink?>.make(nil)
  /// Whether a thread is telling the other end of a reading change, and whether another change
  /// came since it read the state.
  private let readingState = Lock<(running: Bool, dirty: Bool, reports: UInt64)>.make((false, false, 0))

  init(owner: any PipeOwner) {
    self.owner = owner
  }

  var link: InprocLink? {
    get { linkState.withLock { $0 } }
    set { linkState.withLock { $0 = newValue } }
  }

  func write(_ message: Message) {
    guard let link, !link.isClosed, let peer = link.peer(of: self) else { return }
    peer.owner.received(message.wireForm, on: peer.id)
  }

  /// This end stops (or resumes) reading: the other end becomes unwritable (or writable).
  ///
  /// One thread at a time tells the other end, reading this end's state afresh each time, so
  /// changes reported from different threads cannot arrive out of order and leave the other end
  /// stuck unwritable. No lock is held while the other end is told (it may write back at once).
  func readingChanged() {
    let first = readingState.withLock { state -> Bool in
      state.dirty = true
      defer { state.running = true }
      return !state.running
    }
    guard first else { return }
    while true {
      let again = readingState.withLock { state -> UInt64? in
        state.running = state.dirty
        defer { state.dirty = false }
        guard state.dirty else { return nil }
        state.reports += 1
        return state.reports
      }
      guard let sequence = again, let peer = link?.peer(of: self) else {
        readingState.withLock { $0.running = false }
        return
      }
      peer.owner.writabilityChanged(peer.id, writable: owner.isReading(id), sequence: sequence)
    }
  }

  func close() {
    link?.close()
  }

  /// Tells the owner this end is gone and drops the link, breaking the reference cycle.
  fileprivate func detach() {
    owner.detach(id, reason: nil)
    linkState.withLock { $0 = nil }
  }
}
