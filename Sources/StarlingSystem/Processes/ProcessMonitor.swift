import struct StarlingChannels.Lock

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits for one child process to end, on a thread of its own, and signals it safely.
///
/// The thread waits with `WNOWAIT`, which leaves the ended child a zombie, and reaps it under
/// the same lock ``signal(_:)`` sends under. So a signal goes either to the child (running, or a
/// zombie, which ignores it) or nowhere: never to an unrelated process that was given the
/// child's number after it was reaped.
final class ProcessMonitor: Sendable {
  private struct State {
    var status: ExitStatus?
    var waiters: [CheckedContinuation<ExitStatus, Never>] = []
  }

  let processID: pid_t
  private let state = Lock.make(State())

  /// Starts watching `processID`, a child of this process.
  init(processID: pid_t) {
    self.processID = processID
    let started = DetachedThread.start { [self] in watch() }
    if !started {
      // Without a thread of its own, wait on the shared pool rather than never.
      Task { _ = try? await ThreadPool.shared.run { [self] in watch() } }
    }
  }

  /// How the child ended, or `nil` while it runs.
  var status: ExitStatus? {
    state.withLock { $0.status }
  }

  /// Waits until the child has ended.
  func wait() async -> ExitStatus {
    await withCheckedContinuation { continuation in
      let status = state.withLock { state in
        if state.status == nil { state.waiters.append(continuation) }
        return state.status
      }
      if let status { continuation.resume(returning: status) }
    }
  }

  /// Sends `signal` to the child, unless it has ended.
  func signal(_ signal: UnixSignal) throws(ProcessError) {
    let sent = state.withLock { state -> Int32? in
      guard state.status == nil else { return nil }
      return kill(processID, signal.rawValue) == 0 ? 0 : errno
    }
    guard let sent else { throw .notRunning(processID: processID) }
    switch sent {
    case 0: return
    case ESRCH: throw .notRunning(processID: processID)
    default: throw .invalidArgument("cannot send \(signal): \(String(cString: strerror(sent)))")
    }
  }

  private func watch() {
    var info = siginfo_t()
    while waitid(P_PID, id_t(processID), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
    let (status, waiters) = state.withLock { state in
      var raw: Int32 = 0
      var reaped: pid_t
      repeat { reaped = waitpid(processID, &raw, 0) } while reaped < 0 && errno == EINTR
      // A child reaped by someone else (a `waitpid(-1)` elsewhere in the process) leaves no
      // status to read: it is reported as exit code -1.
      let status = reaped == processID ? Self.decode(raw) : .exited(-1)
      state.status = status
      defer { state.waiters = [] }
      return (status, state.waiters)
    }
    for waiter in waiters { waiter.resume(returning: status) }
  }

  /// A `waitpid` status as an ``ExitStatus`` (the encoding of `WIFEXITED` and `WTERMSIG`).
  static func decode(_ raw: Int32) -> ExitStatus {
    let signal = raw & 0x7f
    return signal == 0 ? .exited((raw >> 8) & 0xff) : .signalled(UnixSignal(rawValue: signal))
  }
}
