import Logging

extension WebSocket {
  /// A WebSocket's limits, keep-alive and (for a client) TLS settings.
  public struct Configuration: Sendable {
    /// The largest message in bytes, fragments joined; a larger one (or a larger frame)
    /// closes the connection with 1009.
    public var maxMessageSize: Int = 1 << 20
    /// When set, a ping is sent after this long without one, and the connection is closed
    /// (logged) when the peer has not answered it in time (see ``pongTimeout``).
    public var pingInterval: Duration?
    /// How long the peer has to answer a keep-alive ping before the connection is closed;
    /// `nil` (the default): until the next ping is due. No new ping is sent while one waits
    /// for its answer.
    public var pongTimeout: Duration?
    /// How long ``WebSocket/close(code:reason:)`` waits for the peer's close frame before it
    /// drops the connection.
    public var closeTimeout: Duration = .seconds(10)
    /// How many received messages may wait to be taken before reading stops.
    public var maxQueuedMessages: Int = 64
    /// For ``WebSocket/connect(_:subprotocols:headers:configuration:)``: how long the
    /// connection and the upgrade may take.
    public var connectTimeout: Duration = .seconds(10)
    /// For `wss://` clients: the TLS settings (by default the system's trusted authorities).
    public var tls: TLSOptions = TLSOptions()
    /// Where protocol violations and lost connections are logged; `nil` for the server's
    /// logger (a server's WebSockets) or `starling.websocket` (a client's).
    public var logger: Logger?

    /// The default configuration.
    public init() {}
  }
}
