import StarlingNetwork

/// The `virtual://HOST/NAME` transport of one host of a ``VirtualNetwork``: dials leave from
/// that host, listens happen on it.
///
/// ``VirtualHost/place(_:)`` gives a socket the transport of its host (``VirtualHost/transport``).
/// ``TransportRegistry/builtIn`` has the transport of no host, which refuses every dial and
/// listen with an error that names ``VirtualHost/place(_:)``.
struct VirtualTransport: Transport {
  /// The scheme of virtual addresses.
  static let scheme = "virtual"

  /// The host the socket is on; `nil` for a socket on none.
  let host: VirtualHost?

  var schemes: [String] { [Self.scheme] }

  /// Parses and checks `virtual://HOST/NAME`.
  func address(_ url: String) throws(SPError) -> Address {
    try Self.parse(url).address
  }

  func dialer(
    for address: Address, socket: any PipeOwner, context: TransportContext
  ) throws -> any TransportDialer {
    let (_, target, name) = try Self.parse(address.url)
    return VirtualDialer(
      from: try placedHost(for: address.url), to: target, name: name, owner: socket, url: address.url)
  }

  func listen(
    at address: Address, socket: any PipeOwner, context: TransportContext
  ) throws -> any TransportListener {
    let (_, target, name) = try Self.parse(address.url)
    let host = try placedHost(for: address.url)
    guard target == host.name else {
      throw SPError.invalidAddress(
        address.url,
        reason: "the socket is on host \(host.name): it can listen at virtual://\(host.name)/… only")
    }
    return try host.network.listen(name, on: host.name, owner: socket, address: address)
  }

  /// The host, or an error naming the fix for a socket on none.
  private func placedHost(for url: String) throws(SPError) -> VirtualHost {
    guard let host else {
      throw .badState("\(url): the socket is on no virtual host; put it on one with VirtualHost.place(_:)")
    }
    return host
  }

  /// Parses `virtual://HOST/NAME`: the address, the host and the name (which may hold `/`).
  ///
  /// - Throws: ``SPError/invalidAddress(_:reason:)`` naming what is missing.
  static func parse(_ url: String) throws(SPError) -> (address: Address, host: String, name: String) {
    let address = try Address(custom: url)
    guard let slash = address.path.firstIndex(of: "/") else {
      throw .invalidAddress(url, reason: "a virtual address is virtual://HOST/NAME; the name is missing")
    }
    let host = String(address.path[..<slash])
    let name = String(address.path[address.path.index(after: slash)...])
    guard !host.isEmpty else { throw .invalidAddress(url, reason: "a virtual address needs a host") }
    guard !name.isEmpty else {
      throw .invalidAddress(url, reason: "a virtual address needs a name after the host")
    }
    return (address, host, name)
  }
}

/// Dials a name on a host of a virtual network, from the socket's host.
struct VirtualDialer: TransportDialer {
  let from: VirtualHost
  let to: String
  let name: String
  let owner: any PipeOwner
  let url: String

  func connect() throws -> any DialedConnection {
    try from.network.connect(to: name, on: to, from: from.name, owner: owner, url: url)
  }
}
