/// Why starting or talking to a ``ChildProcess`` failed.
public enum ProcessError: Error, Sendable, Hashable, CustomStringConvertible {
  /// No such executable: a path that does not exist, or a name not found on `PATH` (the
  /// second value lists where it was looked for).
  case executableNotFound(String, searched: [String])
  /// The file exists but cannot be run (not executable, a directory, not a program).
  case notExecutable(String, reason: String)
  /// The working directory cannot be used.
  case invalidWorkingDirectory(String, reason: String)
  /// An argument or an environment entry cannot be passed to a program (it holds a NUL byte,
  /// or an environment name holds `=`).
  case invalidArgument(String)
  /// The system refused to start the process, for the reason given.
  case spawnFailed(String, reason: String)
  /// The process has ended and been waited for: it can no longer be signalled.
  case notRunning(processID: Int32)
  /// ``ChildProcess/run(_:arguments:environment:workingDirectory:input:outputLimit:)``: the
  /// child wrote more than the limit (in bytes) to its standard output or error, and was
  /// killed.
  case outputTooLarge(limit: Int)

  /// What happened, in words.
  public var description: String {
    switch self {
    case .executableNotFound(let name, let searched):
      searched.isEmpty
        ? "no executable at \(name)" : "'\(name)' was not found on PATH (\(searched.joined(separator: ":")))"
    case .notExecutable(let path, let reason): "\(path) cannot be run: \(reason)"
    case .invalidWorkingDirectory(let path, let reason): "cannot run in \(path): \(reason)"
    case .invalidArgument(let reason): "invalid argument: \(reason)"
    case .spawnFailed(let path, let reason): "cannot start \(path): \(reason)"
    case .notRunning(let processID): "process \(processID) has ended"
    case .outputTooLarge(let limit): "the process wrote more than \(limit) bytes of output"
    }
  }
}
