/// A socket listening on a host of a ``VirtualNetwork``. While its host is down, dials to it
/// are refused; when the host restarts it accepts again.
final class VirtualListener: TransportListener {
  let id: VirtualNetworkStateMachine.ListenerID
  let address: Address
  let network: VirtualNetwork
  let owner: any PipeOwner
  private let connections = AcceptedConnections<VirtualConnection> { $0.isOpen(.listener) }

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
    connections.add(connection)
  }

  func close() {
    network.unlisten(self)
    for connection in connections.close() { connection.close(from: .listener) }
  }
}
