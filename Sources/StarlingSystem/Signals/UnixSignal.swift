#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Unix signal, such as `SIGHUP` or `SIGTERM`.
///
/// The common ones have names (``hangup``, ``terminate`` …); any other number works through
/// ``init(rawValue:)``.
public struct UnixSignal: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
  /// The signal's number on this system.
  public let rawValue: Int32

  /// The signal numbered `rawValue`.
  public init(rawValue: Int32) {
    self.rawValue = rawValue
  }

  /// `SIGHUP`: the terminal went away; by convention, "reload your configuration".
  public static let hangup = UnixSignal(rawValue: SIGHUP)
  /// `SIGINT`: Ctrl-C.
  public static let interrupt = UnixSignal(rawValue: SIGINT)
  /// `SIGQUIT`: Ctrl-\.
  public static let quit = UnixSignal(rawValue: SIGQUIT)
  /// `SIGTERM`: please stop (what `kill` sends by default).
  public static let terminate = UnixSignal(rawValue: SIGTERM)
  /// `SIGKILL`: stop now; cannot be caught.
  public static let kill = UnixSignal(rawValue: SIGKILL)
  /// `SIGUSR1`, for the program's own use.
  public static let user1 = UnixSignal(rawValue: SIGUSR1)
  /// `SIGUSR2`, for the program's own use.
  public static let user2 = UnixSignal(rawValue: SIGUSR2)
  /// `SIGWINCH`: the terminal's size changed.
  public static let windowChanged = UnixSignal(rawValue: SIGWINCH)
  /// `SIGCHLD`: a child process stopped or ended.
  public static let child = UnixSignal(rawValue: SIGCHLD)
  /// `SIGPIPE`: a write to a pipe nobody reads.
  public static let pipe = UnixSignal(rawValue: SIGPIPE)
  /// `SIGALRM`: a timer expired.
  public static let alarm = UnixSignal(rawValue: SIGALRM)
  /// `SIGCONT`: continue after a stop.
  public static let `continue` = UnixSignal(rawValue: SIGCONT)
  /// `SIGSTOP`: stop; cannot be caught.
  public static let stop = UnixSignal(rawValue: SIGSTOP)

  private static let names: [Int32: String] = [
    SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
    SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
    SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
    SIGCHLD: "SIGCHLD", SIGCONT: "SIGCONT", SIGSTOP: "SIGSTOP", SIGTSTP: "SIGTSTP", SIGTTIN: "SIGTTIN",
    SIGTTOU: "SIGTTOU", SIGURG: "SIGURG", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ", SIGVTALRM: "SIGVTALRM",
    SIGPROF: "SIGPROF", SIGWINCH: "SIGWINCH", SIGIO: "SIGIO", SIGSYS: "SIGSYS",
  ]

  /// The signal's name, such as `SIGTERM`, or `signal 42`.
  public var description: String {
    Self.names[rawValue] ?? "signal \(rawValue)"
  }
}
