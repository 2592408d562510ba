import struct StarlingChannels.Lock

/// A socket listening on a host of a ``VirtualNetwork``. While its host is down, dials to it
/// are refused; when the host restarts it accepts again.
final class VirtualListener: TransportListener {
  let id: VirtualNetworkStateMachine.ListenerID
  let address: Address
  let network: VirtualNetwork
  let owner: any PipeOwner
  private let connections = Lock<(closed: Bool, open: [ObjectIdentifier: VirtualConnection])>.make(
    (false, [:]))

  init(
    id: VirtualNetworkStateMachine.ListenerID, address: Address, network: VirtualNetwork, owner: any PipeOwner
  ) {
    self.id = id
    self.address = address
    self.network = network
    self.owner = owner
  }

  /// Keeps `connection` to close with the listener. Returns `false` once the listener is closed.
  func add(_ connection: VirtualConnection) -> Bool {
    connections.withLock { state in
      guard !state.closed else { return false }
      state.open = state.open.filter { $0.value.isOpen(.listener) }
      state.open[ObjectIdentifier(connection)] = connection
      return true
    }
  }

  func close() {
    network.unlisten(self)
    let open = connections.withLock { state in
      state.closed = true
      defer { state.open = [:] }
      return state.open.values
    }
    for connection in open { connection.close(from: .listener) }
  }
}
