/// A host of a ``VirtualNetwork``: a name sockets listen under (`virtual://NAME/…`), and a
/// machine that can crash and restart.
///
/// A socket is put on a host with ``place(_:)``; it can then listen at `virtual://HOST/NAME`
/// on its own host and dial any host its host has a link to.
public struct VirtualHost: Sendable, Hashable, CustomStringConvertible {
  /// The host's name, as addresses write it.
  public let name: String
  /// The network the host is on.
  public let network: VirtualNetwork

  init(name: String, network: VirtualNetwork) {
    self.name = name
    self.network = network
  }

  /// The `virtual` transport of this host: a socket whose registry has it dials from this host
  /// and listens on it. ``place(_:)`` gives it to a socket; register it yourself in a
  /// ``TransportRegistry`` of your own to make sockets with that registry start on this host.
  public var transport: any Transport {
    VirtualTransport(host: self)
  }

  /// Puts `socket` on this host: its `virtual://` dials leave from here, and it may listen at
  /// `virtual://NAME/…`. A socket is on one host at a time; placing it again moves it (for
  /// later dials and listens).
  ///
  /// The socket gets a ``TransportRegistry`` of its own in ``SocketOptions/transports``: a copy
  /// of the one it had (the same event loop group and transports) with this host's
  /// ``transport`` for `virtual`. Transports registered in its old registry afterwards do not
  /// reach it.
  public func place(_ socket: some Socket) {
    socket.options.transports = socket.options.transports.replacing(with: transport)
  }

  /// Crashes the host: every connection to or from it is reset at once (its peers see their
  /// pipes close, messages in flight are lost), and dials to or from it fail until
  /// ``restart()``. Its sockets stay open, and its listeners accept again after the restart,
  /// as a program's would when started again; a test that wants the program's state lost too
  /// closes those sockets and opens new ones. Crashing a crashed host does nothing.
  public func crash() {
    network.crash(self)
  }

  /// Brings a crashed host back: dials to and from it succeed again (its sockets' dialers
  /// reconnect on their own).
  public func restart() {
    network.restart(self)
  }

  /// Whether the host is up (not crashed).
  public var isUp: Bool {
    network.isUp(self)
  }

  /// The host's name.
  public var description: String { name }

  /// Whether two values name the same host of the same network.
  public static func == (lhs: VirtualHost, rhs: VirtualHost) -> Bool {
    lhs.name == rhs.name && lhs.network === rhs.network
  }

  /// Hashes the host's name and network.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(name)
    hasher.combine(ObjectIdentifier(network))
  }
}
