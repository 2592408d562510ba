/// A parsed address, such as `tcp://127.0.0.1:5555`, `ipc:///tmp/service.sock` or (for
/// StarlingHTTP's servers) `http://127.0.0.1:8080`.
///
/// Parsing checks the form of the address and says what is wrong with it; whether it can be
/// dialed or listened on is found out when that is tried.
public struct Address: Sendable, Hashable, CustomStringConvertible {
  /// The transport an address names.
  public enum Transport: String, Sendable, Hashable {
    /// In-process: `inproc://name`.
    case inproc
    /// Unix domain sockets: `ipc://path`, `unix://path`, `abstract://name`.
    case ipc
    /// TCP: `tcp://`, `tcp4://`, `tcp6://`.
    case tcp
    /// TLS over TCP: `tls+tcp://`, `tls+tcp4://`, `tls+tcp6://`.
    case tls
    /// WebSocket: `ws://`.
    case ws
    /// WebSocket over TLS: `wss://`.
    case wss
    /// HTTP: `http://` (StarlingHTTP's servers; SP sockets refuse it).
    case http
    /// HTTP over TLS: `https://` (StarlingHTTP's servers; SP sockets refuse it).
    case https
    /// A scheme of a transport registered at run time (see ``Address/init(custom:)``): the
    /// address's ``Address/path`` holds everything after `://`, for that transport to read.
    case custom
  }

  /// Which IP family a TCP-based address is restricted to.
  public enum Family: Sendable, Hashable {
    /// Either, as the host resolves.
    case any
    /// IPv4 only (`tcp4://`).
    case v4
    /// IPv6 only (`tcp6://`).
    case v6
  }

  /// The address as given.
  public let url: String
  /// The scheme, such as `tcp` or `ipc`.
  public let scheme: String
  /// The transport the scheme names.
  public let transport: Transport
  /// For network transports, the host; `nil` for a wildcard listener (`*`, empty,
  /// `0.0.0.0` or `::`).
  public let host: String?
  /// For network transports, the port (0 asks the system for a free port when listening).
  public let port: Int
  /// For network transports, the IP family.
  public let family: Family
  /// The inproc name, the ipc socket path (or abstract name), or the WebSocket or HTTP path.
  public let path: String
  /// Whether an ipc address is in Linux's abstract namespace (`abstract://`).
  public let isAbstract: Bool

  /// The address as given.
  public var description: String { url }

  /// The longest ipc path a Unix domain socket can hold.
  public static let maxIPCPathLength = 107

  /// Parses an address.
  ///
  /// - Throws: ``SPError/invalidAddress(_:reason:)`` naming what is wrong, or
  ///   ``SPError/unsupportedTransport(_:)`` for an unknown scheme.
  public init(_ url: String) throws(SPError) {
    guard let separator = url.firstRange(of: "://") else {
      throw .invalidAddress(url, reason: "missing '://' after the transport (e.g. tcp://host:port)")
    }
    let scheme = String(url[..<separator.lowerBound]).lowercased()
    let rest = String(url[separator.upperBound...])
    self.url = url
    self.scheme = scheme
    self.isAbstract = scheme == "abstract"
    switch scheme {
    case "inproc":
      guard !rest.isEmpty else { throw .invalidAddress(url, reason: "an inproc address needs a name") }
      (transport, host, port, family, path) = (.inproc, nil, 0, .any, rest)
    case "ipc", "unix", "abstract":
      guard !rest.isEmpty else { throw .invalidAddress(url, reason: "an \(scheme) address needs a path") }
      guard rest.utf8.count <= Self.maxIPCPathLength else {
        throw .invalidAddress(
          url,
          reason:
            "the path is \(rest.utf8.count) bytes; at most \(Self.maxIPCPathLength) fit a socket address")
      }
      #if !os(Linux)
      if scheme == "abstract" {
        throw .invalidAddress(url, reason: "abstract socket names exist only on Linux")
      }
      #endif
      (transport, host, port, family, path) = (.ipc, nil, 0, .any, rest)
    case "tcp", "tcp4", "tcp6", "tls+tcp", "tls+tcp4", "tls+tcp6":
      let family: Family = scheme.hasSuffix("4") ? .v4 : scheme.hasSuffix("6") ? .v6 : .any
      let (host, port) = try Self.hostAndPort(rest, url: url, defaultPort: nil)
      if let host, family == .v4, host.contains(":") {
        throw .invalidAddress(url, reason: "an IPv6 host in a \(scheme) (IPv4-only) address")
      }
      if let host, family == .v6, Self.isIPv4Literal(host) {
        throw .invalidAddress(url, reason: "an IPv4 host in a \(scheme) (IPv6-only) address")
      }
      self.transport = scheme.hasPrefix("tls") ? .tls : .tcp
      (self.host, self.port, self.family, self.path) = (host, port, family, "")
    case "ws", "wss", "http", "https":
      let slash = rest.firstIndex(of: "/") ?? rest.endIndex
      let secure = scheme.hasSuffix("s")
      let (host, port) = try Self.hostAndPort(
        String(rest[..<slash]), url: url, defaultPort: secure ? 443 : 80)
      self.transport = Transport(rawValue: scheme) ?? .ws
      let path = String(rest[slash...])
      (self.host, self.port, self.family, self.path) = (host, port, .any, path.isEmpty ? "/" : path)
    default:
      throw .unsupportedTransport(scheme)
    }
  }

  /// Parses an address whose scheme Starling does not know, for a transport registered at run
  /// time: the scheme is what comes before `://` (lower-cased), the ``path`` everything after
  /// it; there is no host or port.
  ///
  /// - Throws: ``SPError/invalidAddress(_:reason:)`` without `://`, without a scheme, or with
  ///   nothing after `://`.
  public init(custom url: String) throws(SPError) {
    guard let separator = url.firstRange(of: "://") else {
      throw .invalidAddress(url, reason: "missing '://' after the transport (e.g. tcp://host:port)")
    }
    let scheme = String(url[..<separator.lowerBound]).lowercased()
    let rest = String(url[separator.upperBound...])
    guard !scheme.isEmpty else { throw .invalidAddress(url, reason: "no scheme before '://'") }
    guard !rest.isEmpty else { throw .invalidAddress(url, reason: "nothing after '\(scheme)://'") }
    (self.url, self.scheme, transport, host, port, family, path, isAbstract) =
      (url, scheme, .custom, nil, 0, .any, rest, false)
  }

  /// The scheme of `url` (what comes before `://`, lower-cased), without parsing the rest.
  ///
  /// - Throws: ``SPError/invalidAddress(_:reason:)`` if `url` has no `://`.
  public static func scheme(of url: String) throws(SPError) -> String {
    guard let separator = url.firstRange(of: "://") else {
      throw .invalidAddress(url, reason: "missing '://' after the transport (e.g. tcp://host:port)")
    }
    return String(url[..<separator.lowerBound]).lowercased()
  }

  /// The host as a URL writes it: an IPv6 address in brackets (`[::1]`); `nil` for a wildcard.
  public var urlHost: String? {
    host.map { $0.contains(":") ? "[\($0)]" : $0 }
  }

  /// The socket path for an ipc address: the path itself, or for an abstract name a leading
  /// NUL byte followed by the name.
  public var socketPath: String {
    isAbstract ? "\0" + path : path
  }

  private static func hostAndPort(
    _ authority: String, url: String, defaultPort: Int?
  ) throws(SPError) -> (String?, Int) {
    var host: Substring
    var portText: Substring?
    if authority.hasPrefix("[") {
      guard let close = authority.firstIndex(of: "]") else {
        throw .invalidAddress(url, reason: "an IPv6 host opened with '[' is not closed with ']'")
      }
      host = authority[authority.index(after: authority.startIndex)..<close]
      let after = authority[authority.index(after: close)...]
      if !after.isEmpty {
        guard after.hasPrefix(":") else {
          throw .invalidAddress(url, reason: "expected ':port' after the IPv6 host")
        }
        portText = after.dropFirst()
      }
    } else if let colon = authority.lastIndex(of: ":") {
      host = authority[..<colon]
      portText = authority[authority.index(after: colon)...]
      if host.contains(":") {
        throw .invalidAddress(url, reason: "an IPv6 host must be written in brackets, as [::1]:port")
      }
    } else {
      host = Substring(authority)
    }
    let port: Int
    if let portText {
      guard let value = Int(portText), (0...65535).contains(value), portText.allSatisfy(\.isASCII) else {
        throw .invalidAddress(url, reason: "'\(portText)' is not a port number (0 to 65535)")
      }
      port = value
    } else if let defaultPort {
      port = defaultPort
    } else {
      throw .invalidAddress(url, reason: "a port is required (host:port)")
    }
    let wildcard = host.isEmpty || host == "*" || host == "0.0.0.0" || host == "::"
    return (wildcard ? nil : String(host), port)
  }

  private static func isIPv4Literal(_ host: String) -> Bool {
    let parts = host.split(separator: ".", omittingEmptySubsequences: false)
    return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
  }
}
