/// What went wrong with a remote procedure call, as ``RPCClient`` and ``RPCServer`` report it.
///
/// Failures of the socket underneath (``SPError/timedOut``, ``SPError/closed``) and the
/// cancellation of the calling task are thrown as they are (`SPError`, `CancellationError`);
/// everything that concerns the call itself is one of these cases.
public enum RPCError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The method name is empty or longer than 255 bytes of UTF-8.
  case invalidMethodName(String)
  /// The client could not encode the arguments with its codec; the second value says why.
  case argumentsNotEncodable(method: String, reason: String)
  /// The server has no handler registered under this name.
  case unknownMethod(String)
  /// The server could not decode the arguments as the handler's argument type; the second
  /// value says why.
  case badArguments(method: String, reason: String)
  /// The server could not read the request's envelope; the value says why. ``RPCClient`` never
  /// sends such requests: this comes back to hand-made or foreign clients.
  case malformedRequest(String)
  /// The handler threw: the remote error's type name (such as `MyService.ValidationError`) and
  /// its description.
  case remote(type: String, message: String)
  /// The reply's envelope cannot be read (a server that does not speak this RPC); the value
  /// says why.
  case malformedReply(String)
  /// The client could not decode the result as the type it asked for; the second value says why.
  case undecodableResult(method: String, reason: String)

  /// What happened, in words.
  public var description: String {
    switch self {
    case .invalidMethodName(let name):
      "invalid method name '\(name)': it must be 1 to 255 bytes of UTF-8"
    case .argumentsNotEncodable(let method, let reason):
      "cannot encode the arguments of '\(method)': \(reason)"
    case .unknownMethod(let method): "unknown method '\(method)'"
    case .badArguments(let method, let reason): "bad arguments for '\(method)': \(reason)"
    case .malformedRequest(let reason): "malformed request: \(reason)"
    case .remote(let type, let message): "remote error \(type): \(message)"
    case .malformedReply(let reason): "malformed reply: \(reason)"
    case .undecodableResult(let method, let reason):
      "cannot decode the result of '\(method)': \(reason)"
    }
  }
}
