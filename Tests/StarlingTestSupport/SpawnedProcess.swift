import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process with the part of `Foundation.Process`'s API the tests use, started with
/// `posix_spawn`.
///
/// Why not `Foundation.Process`: on Linux its `run()` scans `/proc/self/fd` to find the
/// descriptors to close in the child, copying 256 bytes of each entry's name; once the process
/// has about 1,330 descriptors open (the parallel suite peaks above 1,400) the copy reads past
/// glibc's directory buffer, and the whole test process crashes when that lands on an unmapped
/// page. This one has the child close every descriptor from 3 up (`closefrom`) and scans
/// nothing. It also starts the child with no blocked signals and default handlers, where a
/// child of a test runner's thread would inherit that thread's blocked SIGTERM.
///
/// Each test target shadows Foundation's type with `typealias Process = SpawnedProcess`.
public final class SpawnedProcess: @unchecked Sendable {
  // The configuration is set before `run()` by the one task that owns the process; everything
  // `run()` and the reaper thread change afterwards is guarded by `condition`.

  /// The program to run.
  public var executableURL: URL?
  /// Its arguments, without the program's name.
  public var arguments: [String]?
  /// Its environment; this process's own when `nil`.
  public var environment: [String: String]?
  /// Standard input: a `Pipe` (the child reads its reading end), a `FileHandle`, or `nil` to
  /// inherit this process's.
  public var standardInput: Any?
  /// Standard output: a `Pipe` (the child writes its writing end), a `FileHandle`, or `nil`.
  public var standardOutput: Any?
  /// Standard error, as ``standardOutput``.
  public var standardError: Any?
  /// Called once on the reaper thread after the child exits.
  public var terminationHandler: (@Sendable (SpawnedProcess) -> Void)?

  private let condition = NSCondition()
  private var pid: pid_t = 0
  private var status: Int32?

  /// A process not yet started.
  public init() {}

  /// The child's process ID (0 before `run()`).
  public var processIdentifier: Int32 {
    condition.withLock { pid }
  }

  /// Whether the child has started and not yet been reaped.
  public var isRunning: Bool {
    condition.withLock { pid != 0 && status == nil }
  }

  /// The exit code, or the number of the signal that ended the child (as Foundation reports it).
  public var terminationStatus: Int32 {
    condition.withLock { status ?? 0 }
  }

  /// Starts the child.
  public func run() throws {
    guard let executable = executableURL?.path else {
      throw SpawnError(message: "no executable to run")
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }

    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD] {
      sigaddset(&defaults, signal)
    }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    // The parent's copies of the child's pipe ends, closed once the child has its own.
    var childEnds: [FileHandle] = []
    func wire(_ stream: Any?, to target: Int32, childReads: Bool) {
      switch stream {
      case let pipe as Pipe:
        let end = childReads ? pipe.fileHandleForReading : pipe.fileHandleForWriting
        posix_spawn_file_actions_adddup2(&actions, end.fileDescriptor, target)
        childEnds.append(end)
      case let handle as FileHandle where handle === FileHandle.nullDevice:
        posix_spawn_file_actions_addopen(&actions, target, "/dev/null", childReads ? O_RDONLY : O_WRONLY, 0)
      case let handle as FileHandle:
        posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, target)
      default:
        break
      }
    }
    wire(standardInput, to: 0, childReads: true)
    wire(standardOutput, to: 1, childReads: false)
    wire(standardError, to: 2, childReads: false)
    if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }

    let argv = ([executable] + (arguments ?? [])).map { strdup($0) } + [nil]
    let variables = environment ?? ProcessInfo.processInfo.environment
    let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for pointer in argv { free(pointer) }
      for pointer in envp { free(pointer) }
    }
    var child: pid_t = 0
    let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
    guard result == 0 else {
      throw SpawnError(message: "cannot run \(executable): \(String(cString: strerror(result)))")
    }
    // One pipe may be both standard output and standard error: close each end once.
    var closed = Set<ObjectIdentifier>()
    for end in childEnds where closed.insert(ObjectIdentifier(end)).inserted {
      try? end.close()
    }
    condition.withLock { pid = child }
    let spawned = child
    let reaper = Thread { [self] in reap(spawned) }
    reaper.name = "reaper \(spawned)"
    reaper.start()
  }

  /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
  /// module does not show; without it (older systems) the child inherits what is not
  /// close-on-exec.
  private static let addCloseFrom:
    (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? =
      dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast(
          $0, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
      }

  /// Waits for the child on the reaper thread, records how it ended, and tells whoever waits.
  private func reap(_ child: pid_t) {
    var raw: Int32 = 0
    while waitpid(child, &raw, 0) == -1 && errno == EINTR {}
    let signal = raw & 0x7f
    let code = signal == 0 ? (raw >> 8) & 0xff : signal
    condition.withLock {
      status = code
      condition.broadcast()
    }
    terminationHandler?(self)
  }

  /// Sends the child SIGTERM.
  public func terminate() {
    let child = condition.withLock { status == nil ? pid : 0 }
    if child != 0 { kill(child, SIGTERM) }
  }

  /// Blocks the calling thread until the child has exited.
  public func waitUntilExit() {
    condition.withLock {
      while status == nil { condition.wait() }
    }
  }
}

/// A child process that could not be started.
public struct SpawnError: Error, CustomStringConvertible {
  /// What went wrong.
  public let message: String
  /// The message.
  public var description: String { message }
}
