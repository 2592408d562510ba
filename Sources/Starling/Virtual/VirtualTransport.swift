import StarlingNetwork

import struct StarlingChannels.Lock

/// The `virtual://HOST/NAME` transport: sockets on the hosts of a ``VirtualNetwork``.
///
/// A socket's host is where ``VirtualHost/place(_:)`` put it; dials leave from it and listens
/// happen on it.
enum VirtualTransport {
  /// The scheme of virtual addresses.
  static let scheme = "virtual"

  /// Which host each socket is on, by the socket's core (held weakly: a closed and freed socket
  /// leaves its entry to be swept).
  private static let placements = Lock<[ObjectIdentifier: Placement]>.make([:])

  private struct Placement {
    weak var owner: (any PipeOwner)?
    let host: VirtualHost
  }

  /// Whether `url` is a virtual address.
  static func handles(_ url: String) -> Bool {
    url.lowercased().hasPrefix(scheme + "://")
  }

  static func place(_ owner: any PipeOwner, on host: VirtualHost) {
    placements.withLock { placements in
      placements = placements.filter { $0.value.owner != nil }
      placements[ObjectIdentifier(owner)] = Placement(owner: owner, host: host)
    }
  }

  /// The host `owner` is on.
  static func host(of owner: any PipeOwner) -> VirtualHost? {
    placements.withLock { placements in
      guard let placement = placements[ObjectIdentifier(owner)], placement.owner === owner else { return nil }
      return placement.host
    }
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

  /// The host a socket dialing or listening at `url` is on.
  private static func host(of socket: any SocketControl, for url: String) throws(SPError) -> VirtualHost {
    guard let host = host(of: socket) else {
      throw .badState("\(url): the socket is on no virtual host; put it on one with VirtualHost.place(_:)")
    }
    return host
  }

  /// Dials `url` as ``Socket/dial(_:waitForConnection:)`` does for other transports.
  static func dial(_ url: String, socket core: any SocketControl, waitForConnection: Bool) async throws {
    let (address, target, name) = try parse(url)
    let host = try host(of: core, for: url)
    let dialer = Dialer(
      address: address, logger: core.logger, options: { core.options },
      connect: {
        try host.network.connect(to: name, on: target, from: host.name, owner: core, url: url)
      },
      reconnected: { core.recordReconnect() })
    try await dialer.start(waitForConnection: waitForConnection)
    try core.add(dialer)
  }

  /// Listens at `url` as ``Socket/listen(_:)`` does for other transports: on the socket's own
  /// host.
  static func listen(_ url: String, socket core: any SocketControl) throws -> Address {
    let (address, target, name) = try parse(url)
    let host = try host(of: core, for: url)
    guard target == host.name else {
      throw SPError.invalidAddress(
        url, reason: "the socket is on host \(host.name): it can listen at virtual://\(host.name)/… only")
    }
    let listener = try host.network.listen(name, on: host.name, owner: core, url: url)
    try core.add(listener)
    return address
  }
}
