import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One worker process of `starling run --instances`: this same program run as
/// `run FILE --worker N`, in a process group of its own (so a Ctrl-C at the terminal reaches the
/// supervisor alone, which stops the workers one signal each), with its stdout and stderr shared
/// with the supervisor's, a pipe at descriptor 3 on which it says when its pipeline has started,
/// and one at descriptor 4 that ends when the supervisor does (``WorkerLink``).
///
/// A thread of its own waits for the pipe and then for the process's exit, and reports both.
struct WorkerProcess: Sendable {
  /// What happened to a worker.
  enum Event: Sendable {
    /// Its pipeline has started.
    case ready(index: Int, pid: pid_t)
    /// It exited; `how` says how (`exited with status 1`, `was killed by SIGKILL`).
    case exited(index: Int, pid: pid_t, how: String)
  }

  /// The worker's number, from 1.
  let index: Int
  let pid: pid_t

  /// Starts `executable` with `arguments` as worker `index`; `report` hears when it is ready
  /// and when it exits (from a thread of the worker's).
  ///
  /// - Throws: ``CommandFailure`` when the process cannot be started.
  static func spawn(
    executable: String, arguments: [String], index: Int, report: @escaping @Sendable (Event) -> Void
  ) throws -> WorkerProcess {
    let (readEnd, writeEnd) = try makePipe(index: index)
    let life: (read: CInt, write: CInt)
    do {
      life = try makePipe(index: index)
    } catch {
      close(readEnd)
      close(writeEnd)
      throw error
    }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    // The write end becomes descriptor 3 (dup2 clears close-on-exec on it); everything else of
    // this process's is closed in the child.
    posix_spawn_file_actions_adddup2(&actions, writeEnd, WorkerLink.ready)
    posix_spawn_file_actions_adddup2(&actions, life.read, WorkerLink.life)
    #if os(Linux)
    _ = addCloseFrom(&actions, WorkerLink.life + 1)
    #endif

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
    var mask = sigset_t()
    sigemptyset(&mask)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setsigmask(&attributes, &mask)
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(
      &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var spawnedPID: pid_t = 0
    let spawned = posix_spawn(&spawnedPID, executable, &actions, &attributes, argv, environ)
    let pid = spawnedPID
    close(writeEnd)
    close(life.read)
    guard spawned == 0 else {
      close(readEnd)
      close(life.write)
      throw CommandFailure("cannot start worker \(index): \(String(cString: strerror(spawned)))")
    }
    let worker = WorkerProcess(index: index, pid: pid)
    let thread = Thread {
      var byte: UInt8 = 0
      var count: Int
      repeat { count = read(readEnd, &byte, 1) } while count < 0 && errno == EINTR
      close(readEnd)
      if count == 1 { report(.ready(index: index, pid: pid)) }
      var status: CInt = 0
      var waited: pid_t
      repeat { waited = waitpid(pid, &status, 0) } while waited < 0 && errno == EINTR
      close(life.write)
      report(.exited(index: index, pid: pid, how: describe(status: status)))
    }
    thread.start()
    return worker
  }

  /// Sends the worker a signal.
  func signal(_ signal: CInt) {
    kill(pid, signal)
  }

  /// `exited with status 1`, `was killed by SIGSEGV`.
  static func describe(status: CInt) -> String {
    let signal = status & 0x7f
    if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
    return "was killed by \(signalName(signal))"
  }

  /// `SIGKILL`, or `signal 42`.
  static func signalName(_ signal: CInt) -> String {
    let names: [CInt: String] = [
      SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
      SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
      SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
    ]
    return names[signal] ?? "signal \(signal)"
  }

  /// A pipe whose two ends are close-on-exec and above the descriptors the child gets (so
  /// that putting one end in place cannot overwrite the other).
  private static func makePipe(index: Int) throws -> (read: CInt, write: CInt) {
    var ends: [CInt] = [0, 0]
    guard pipe(&ends) == 0 else {
      throw CommandFailure("cannot make a pipe for worker \(index): \(String(cString: strerror(errno)))")
    }
    let moved = ends.map { end -> CInt in
      let high = fcntl(end, F_DUPFD_CLOEXEC, WorkerLink.life + 1)
      close(end)
      return high
    }
    guard moved.allSatisfy({ $0 >= 0 }) else {
      for end in moved where end >= 0 { close(end) }
      throw CommandFailure("cannot make a pipe for worker \(index): \(String(cString: strerror(errno)))")
    }
    return (moved[0], moved[1])
  }
}

#if os(Linux)
/// glibc's (2.34 and later) `posix_spawn_file_actions_addclosefrom_np`, which its Swift module
/// does not show: closes every descriptor from `from` up in the child.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: CInt) -> CInt
#endif

/// A worker's end of its link to the supervisor: descriptor 3, a pipe on which it writes one
/// byte when its pipeline has started; and descriptor 4, a pipe the supervisor holds open for as
/// long as it lives: when it ends, the worker stops gracefully (SIGTERM to itself), so that no
/// worker outlives a supervisor that was killed.
enum WorkerLink {
  /// The readiness pipe's descriptor in the worker.
  static let ready: CInt = 3
  /// The life pipe's descriptor in the worker.
  static let life: CInt = 4

  /// Keeps the two descriptors from the processes the worker starts, and watches the life pipe.
  static func prepare() {
    _ = fcntl(ready, F_SETFD, FD_CLOEXEC)
    _ = fcntl(life, F_SETFD, FD_CLOEXEC)
    let thread = Thread {
      var byte: UInt8 = 0
      var count: Int
      repeat { count = read(life, &byte, 1) } while count < 0 && errno == EINTR
      // End of file: the supervisor is gone.
      if count <= 0 { kill(getpid(), SIGTERM) }
    }
    thread.start()
  }

  /// Tells the supervisor that the pipeline has started.
  static func started() {
    var byte = UInt8(ascii: "r")
    _ = write(ready, &byte, 1)
    close(ready)
  }
}
