/// A way of carrying SP messages between sockets, named by one or more URL schemes: what
/// ``Socket/dial(_:waitForConnection:)`` and ``Socket/listen(_:)`` look up in the socket's
/// ``SocketOptions/transports`` registry.
///
/// A transport turns connections into pipes of a socket (``PipeConnection``s it attaches to
/// the socket's ``PipeOwner``) and knows nothing of the protocol running over them, so every
/// transport works with every socket type. The model is nng's transport operations tables and
/// mangos' `Transport`: a transport makes dialers (which connect, once per call, as often as the
/// socket redials) and listeners (which accept until closed).
///
/// Starling's own transports (`inproc`, `tcp`, `ipc`, `tls+tcp`, `ws`, `wss`) are transports
/// like any other; ``TransportRegistry/register(_:)`` adds one at run time. A transport may wrap
/// another (look it up in ``TransportContext/registry``), or carry messages itself: `inproc`
/// hands them from one socket to the other in memory, without NIO.
public protocol Transport: Sendable {
  /// The URL schemes this transport serves, lower case, such as `["tcp", "tcp4", "tcp6"]`.
  var schemes: [String] { get }

  /// Parses `url`, whose scheme is one of ``schemes``.
  ///
  /// The default parses the schemes ``Address`` knows with ``Address/init(_:)``, and any other
  /// with ``Address/init(custom:)`` (everything after `://` in ``Address/path``).
  ///
  /// - Throws: ``SPError/invalidAddress(_:reason:)`` naming what is wrong.
  func address(_ url: String) throws(SPError) -> Address

  /// Prepares to dial `address` for `socket`: checks the address and the socket's options (a
  /// TLS context is built here, once), and returns what connects. Nothing is connected yet.
  ///
  /// - Throws: ``SPError``: an address or options this transport cannot use.
  func dialer(
    for address: Address, socket: any PipeOwner, context: TransportContext
  ) throws -> any TransportDialer

  /// Listens at `address` for `socket`: from now on, connections to it become pipes of
  /// `socket`, until the listener closes.
  ///
  /// - Returns: the listener; its ``TransportListener/address`` is the address bound (with the
  ///   port chosen, when port 0 was asked for).
  /// - Throws: ``SPError/addressInUse(_:)``, ``SPError/invalidAddress(_:reason:)`` …
  func listen(
    at address: Address, socket: any PipeOwner, context: TransportContext
  ) async throws -> any TransportListener
}

extension Transport {
  /// Parses `url` with ``Address/init(_:)``, or ``Address/init(custom:)`` for a scheme
  /// ``Address`` does not know.
  public func address(_ url: String) throws(SPError) -> Address {
    do {
      return try Address(url)
    } catch .unsupportedTransport {
      return try Address(custom: url)
    }
  }
}

/// Connects to one address for one socket, once per ``connect()``; the socket's dialer calls it
/// again (after its reconnect wait) whenever the connection is lost or refused.
public protocol TransportDialer: Sendable {
  /// Connects once. Returns when the connection is a pipe of the socket (its handshake done
  /// and the socket has taken it).
  ///
  /// - Throws: ``SPError/connectionRefused(_:)``, ``SPError/peerMismatch(expected:actual:)``,
  ///   ``SPError/timedOut`` … why this attempt failed.
  func connect() async throws -> any DialedConnection
}

/// A live connection a dialer watches, to redial when it ends.
public protocol DialedConnection: Sendable {
  /// Returns when the connection has closed.
  func closed() async
  /// Closes the connection.
  func close()
}

/// A transport's listener: accepts connections as pipes of its socket until it closes.
public protocol TransportListener: AnyObject, Sendable {
  /// The address bound: for port 0, with the port chosen.
  var address: Address { get }
  /// Stops listening and closes the connections it accepted. Closing twice does nothing.
  func close()
}
