/// How a NIO pipe puts its messages on the channel.
enum PipeFraming: Sendable {
  /// As ``Message`` values, for a handler that frames each one (WebSocket).
  case messages
  /// As SP stream frames the pipe encodes itself, a batch at a time (tcp and tls+tcp; ipc with
  /// its type byte): see ``SPFrameEncoder``.
  case stream(ipc: Bool)
}
