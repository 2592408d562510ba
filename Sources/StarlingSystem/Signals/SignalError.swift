/// Why ``Signals/stream(_:bufferSize:)`` cannot subscribe.
public enum SignalError: Error, Sendable, Hashable, CustomStringConvertible {
  /// `SIGKILL` and `SIGSTOP` cannot be caught.
  case cannotBeCaught(UnixSignal)
  /// No signal has this number on this system.
  case unknownSignal(Int32)
  /// The list of signals is empty.
  case noSignals
  /// The system refused to set up signal handling, for the reason given.
  case systemFailure(String)

  /// What happened, in words.
  public var description: String {
    switch self {
    case .cannotBeCaught(let signal): "\(signal) cannot be caught"
    case .unknownSignal(let number): "\(number) is not a signal number on this system"
    case .noSignals: "no signals to subscribe to"
    case .systemFailure(let reason): "cannot handle signals: \(reason)"
    }
  }
}
