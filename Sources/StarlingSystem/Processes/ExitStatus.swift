/// How a child process ended.
public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
  /// It exited with this code (0 for success).
  case exited(Int32)
  /// A signal ended it.
  case signalled(UnixSignal)

  /// Whether it exited with code 0.
  public var isSuccess: Bool { self == .exited(0) }

  /// How it ended, in words: `exited with code 3`, `killed by SIGTERM`.
  public var description: String {
    switch self {
    case .exited(let code): "exited with code \(code)"
    case .signalled(let signal): "killed by \(signal)"
    }
  }
}
