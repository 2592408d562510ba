/// Errors a running pipeline raises.
public enum PipelineError: Error, Hashable, CustomStringConvertible {
  /// A module sent into a queue the pipeline had already closed.
  case queueClosed(String)
  /// A request was answered a second time.
  case alreadyAnswered(String)
  /// An event carried no reply handle to a module that answers callers.
  case noReplyHandle
  /// A module's arguments are wrong in a way only the module can tell; the message says how.
  case invalidArgument(String)
  /// A module failed to start.
  case startFailed(module: String, reason: String)

  /// One line naming the cause.
  public var description: String {
    switch self {
    case .queueClosed(let name): return "queue \(name) is closed"
    case .alreadyAnswered(let origin): return "the request from \(origin) was already answered"
    case .noReplyHandle: return "the event has no reply handle (it did not come from a request)"
    case .invalidArgument(let reason): return reason
    case .startFailed(let module, let reason): return "module '\(module)' failed to start: \(reason)"
    }
  }
}
