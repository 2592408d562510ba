import struct StarlingChannels.Lock

/// A connection across a ``VirtualNetwork``: two pipes, and a stream each way that delivers
/// what one end sends to the other when the network's model says it arrives.
///
/// Closing an end is orderly, as a tcp close: that end leaves its socket at once; what it sent
/// still arrives, then the other end closes too. A reset (a cut, a crash, a fault) closes both
/// ends at once and loses everything in flight.
final class VirtualConnection: DialedConnection {
  typealias Side = VirtualNetworkStateMachine.Side

  let id: VirtualNetworkStateMachine.ConnectionID
  let network: VirtualNetwork
  let dialerEnd: VirtualPipe
  let listenerEnd: VirtualPipe
  private let toListener: VirtualStream
  private let toDialer: VirtualStream
  /// The ends still in their sockets, and the tasks waiting for the dialer's end to go.
  private let state = Lock<(open: Set<Side>, waiters: [CheckedContinuation<Void, Never>])>.make(
    ([.dialer, .listener], []))

  init(
    id: VirtualNetworkStateMachine.ConnectionID, network: VirtualNetwork,
    dialer: (owner: any PipeOwner, host: String), listener: (owner: any PipeOwner, host: String)
  ) {
    self.id = id
    self.network = network
    dialerEnd = VirtualPipe(owner: dialer.owner, side: .dialer, peerHost: listener.host)
    listenerEnd = VirtualPipe(owner: listener.owner, side: .listener, peerHost: dialer.host)
    toListener = VirtualStream(from: dialerEnd, to: listenerEnd, clock: network.clock)
    toDialer = VirtualStream(from: listenerEnd, to: dialerEnd, clock: network.clock)
    dialerEnd.connection = self
    listenerEnd.connection = self
    toListener.start()
    toDialer.start()
  }

  /// The stream `side` sends on.
  func stream(from side: Side) -> VirtualStream {
    side == .dialer ? toListener : toDialer
  }

  /// The stream that reaches `side`.
  func stream(into side: Side) -> VirtualStream {
    stream(from: side.other)
  }

  func send(_ message: Message, from side: Side) {
    network.send(message, on: self, from: side)
  }

  /// Whether `side` is still in its socket.
  func isOpen(_ side: Side) -> Bool {
    state.withLock { $0.open.contains(side) }
  }

  /// `side` closes in order. Closing an end twice does nothing.
  func close(from side: Side) {
    let (closing, peerOpen) = state.withLock { state -> (Bool, Bool) in
      guard state.open.remove(side) != nil else { return (false, false) }
      return (true, state.open.contains(side.other))
    }
    guard closing else { return }
    stream(into: side).stop()
    if peerOpen {
      network.sendClose(on: self, from: side)
    } else {
      network.forget(self)
    }
    detach(side, reason: nil)
  }

  /// Both ends close at once for `reason`, losing what is in flight. The network has already
  /// forgotten the connection.
  func reset(reason: SPError?) {
    let open = state.withLock { state in
      defer { state.open = [] }
      return state.open
    }
    toListener.stop()
    toDialer.stop()
    for side in [Side.dialer, .listener] where open.contains(side) {
      detach(side, reason: reason)
    }
  }

  private func detach(_ side: Side, reason: SPError?) {
    (side == .dialer ? dialerEnd : listenerEnd).detach(reason: reason)
    guard side == .dialer else { return }
    let waiters = state.withLock { state in
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiters { waiter.resume() }
  }

  /// Returns once the dialer's end has left its socket: then its dialer redials.
  func closed() async {
    await withCheckedContinuation { continuation in
      let done = state.withLock { state -> Bool in
        guard state.open.contains(.dialer) else { return true }
        state.waiters.append(continuation)
        return false
      }
      if done { continuation.resume() }
    }
  }

  /// The dialer closes its end.
  func close() {
    close(from: .dialer)
  }
}
