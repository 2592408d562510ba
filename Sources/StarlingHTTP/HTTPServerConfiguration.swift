import Logging

extension HTTPServer {
  /// An HTTP server's limits, timeouts, TLS settings and logger.
  ///
  /// Every limit has a safe default; a request past one is answered with its status and
  /// logged, and the server goes on serving everyone else.
  public struct Configuration: Sendable {
    /// The largest request body in bytes. A body declared larger (`Content-Length`) is
    /// answered 413 before any of it is read; a chunked one as soon as its total passes the
    /// limit. Either way the connection is then closed.
    public var maxBodySize: Int = 1 << 20
    /// The largest request head in bytes (the request line and the headers); a larger one is
    /// answered 431 and the connection closed.
    public var maxHeaderSize: Int = 16 * 1024
    /// How long a connection may wait before beginning a request (a new one, or one kept alive
    /// between requests); then it is closed without a word. `nil`: no limit.
    public var idleTimeout: Duration? = .seconds(60)
    /// How long a request head may take to arrive whole, from its first byte; then 408 and
    /// the connection closed. The limit bounds the whole head, not the gap between two bytes:
    /// a client sending a byte a second runs out like a silent one. `nil`: no limit.
    public var headTimeout: Duration? = .seconds(10)
    /// How long a request body may take to arrive whole, from the end of the head (time the
    /// server itself spends not reading, because the body is not being consumed, does not
    /// count); then 408 and the connection closed. `nil`: no limit.
    public var bodyTimeout: Duration? = .seconds(60)
    /// The most connections served at once; more are closed as they arrive, logged once a
    /// minute at most with how many were refused.
    public var maxConnections: Int = 1024
    /// TLS settings for `https://` (a certificate and its key); ignored for `http://`.
    public var tls: TLSOptions = TLSOptions()
    /// The settings of WebSocket connections upgraded from requests (and of mounted SP
    /// sockets' frame limits, which come from the sockets).
    public var webSocket: WebSocket.Configuration = WebSocket.Configuration()
    /// Where the server logs refused requests, timeouts and dropped connections.
    public var logger: Logger = Logger(label: "starling.http")
    /// What the limits are called in log lines and refusals: by default the names of these
    /// properties. A program whose users set the limits under other names (the keys of its
    /// config file) gives those, so that a message names what to change.
    public var limitNames = LimitNames()

    /// The default configuration.
    public init() {}
  }
}

extension HTTPServer.Configuration {
  /// What the limits of a ``HTTPServer/Configuration`` are called in log lines and
  /// refusals, such as `no whole request head within headTimeout (10s)`.
  public struct LimitNames: Sendable, Hashable {
    /// The name of ``HTTPServer/Configuration/maxBodySize``.
    public var maxBodySize = "maxBodySize"
    /// The name of ``HTTPServer/Configuration/maxHeaderSize``.
    public var maxHeaderSize = "maxHeaderSize"
    /// The name of ``HTTPServer/Configuration/idleTimeout``.
    public var idleTimeout = "idleTimeout"
    /// The name of ``HTTPServer/Configuration/headTimeout``.
    public var headTimeout = "headTimeout"
    /// The name of ``HTTPServer/Configuration/bodyTimeout``.
    public var bodyTimeout = "bodyTimeout"
    /// The name of ``HTTPServer/Configuration/maxConnections``.
    public var maxConnections = "maxConnections"

    /// The property names.
    public init() {}
  }

  /// A limit's name and a timeout's value, as `headTimeout (10s)`.
  func describe(_ name: String, _ timeout: Duration?) -> String {
    guard let timeout else { return name }
    let milliseconds =
      Double(timeout.components.seconds) * 1000
      + Double(timeout.components.attoseconds) / 1e15
    func plain(_ value: Double) -> String {
      value == value.rounded() ? String(Int(value)) : String(value)
    }
    let seconds = milliseconds / 1000
    let text =
      switch seconds {
      case 3600... where (seconds / 3600).rounded() == seconds / 3600: plain(seconds / 3600) + "h"
      case 60... where (seconds / 60).rounded() == seconds / 60: plain(seconds / 60) + "m"
      case ..<1: plain((milliseconds * 1000).rounded() / 1000) + "ms"
      default: plain(seconds) + "s"
      }
    return "\(name) (\(text))"
  }
}
