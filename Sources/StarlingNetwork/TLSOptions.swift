/// TLS settings for `tls+tcp://` and `wss://` dialers and listeners: Starling's sockets take
/// them in `SocketOptions.tls`, StarlingSystem's byte streams as a `tls:` argument.
///
/// A listener needs ``certificate`` and ``privateKey``. A dialer verifies the listener's
/// certificate by default, against ``trustRoots`` (or the system's authorities) and against
/// ``serverName`` (or the host dialed). Mutual TLS: give the dialer its own certificate and
/// key, and the listener ``authentication`` `.required` with the authorities it trusts.
///
/// ```swift
/// var options = SocketOptions()
/// options.tls = TLSOptions(certificate: .file("server.crt"), privateKey: .file("server.key"))
/// let rep = Rep0(options: options)
/// try await rep.listen("tls+tcp://*:5555")
/// ```
public struct TLSOptions: Sendable, Hashable {
  /// Where a PEM certificate chain, key or authority bundle comes from.
  public enum Source: Sendable, Hashable {
    /// A PEM file at this path.
    case file(String)
    /// PEM text in memory.
    case pem(String)
  }

  /// Whether the peer must present a certificate, and whether it is verified.
  public enum Authentication: Sendable, Hashable {
    /// No certificate is asked for or checked. Only sensible on a listener.
    case none
    /// A certificate the peer presents must verify; a peer without one is accepted.
    case optional
    /// The peer must present a certificate that verifies.
    case required
  }

  /// This side's certificate chain (leaf first). Required on a listener; a dialer sends it
  /// when the listener asks (mutual TLS).
  public var certificate: Source?
  /// The private key of ``certificate``.
  public var privateKey: Source?
  /// The authorities trusted to sign the peer's certificate; `nil` for the system's.
  public var trustRoots: Source?
  /// The name a dialer expects in the listener's certificate (and sends as SNI); `nil` for the
  /// host of the address dialed (an IP address is then checked against the certificate's IP
  /// entries). A certificate whose IP entries hold the address connected to is accepted
  /// whatever the name (RFC 6125, as swift-nio-ssl checks it).
  public var serverName: String?
  /// How the peer's certificate is checked; `nil` for the default: `.required` on a dialer,
  /// `.none` on a listener (as in nng).
  public var authentication: Authentication?

  /// TLS settings; every value is optional (see each property for its default).
  public init(
    certificate: Source? = nil, privateKey: Source? = nil, trustRoots: Source? = nil,
    serverName: String? = nil, authentication: Authentication? = nil
  ) {
    self.certificate = certificate
    self.privateKey = privateKey
    self.trustRoots = trustRoots
    self.serverName = serverName
    self.authentication = authentication
  }
}
