#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a child process with `posix_spawn`: finds the executable, makes the pipes, and hands
/// the child its ends (and this process's ends back to the caller). Blocking: run it on the
/// ``ThreadPool``.
///
/// The child starts with every signal unblocked and the common signals at their default
/// action (a process that ignores `SIGPIPE`, as SwiftNIO makes this one, would otherwise pass
/// that on), and with its three standard descriptors only: every other one is closed in the
/// child (the pipes made here are close-on-exec, but SwiftNIO's sockets are not, and a child
/// holding a connection open would keep its peer from ever seeing it end).
struct ProcessSpawner {
  /// What was started: the process and this process's ends of its pipes.
  struct Spawned {
    var processID: pid_t
    var stdin: Int32?
    var stdout: Int32?
    var stderr: Int32?
  }

  var executable: String
  var arguments: [String]
  var environment: [String: String]?
  var workingDirectory: String?
  var stdin: ChildProcess.Redirect
  var stdout: ChildProcess.Redirect
  var stderr: ChildProcess.Redirect

  func spawn() throws(ProcessError) -> Spawned {
    try validate()
    let path = try locate()
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var opened: [Int32] = []
    defer { for descriptor in opened { close(descriptor) } }
    var spawned = Spawned(processID: 0)
    // This process's ends go to the caller only if the child started.
    var started = false
    defer {
      if !started {
        for descriptor in [spawned.stdin, spawned.stdout, spawned.stderr].compactMap({ $0 }) {
          close(descriptor)
        }
      }
    }

    // Each standard stream: a pipe (the child's end dup'ed onto it), /dev/null, or as it is.
    for (target, redirect) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
      switch redirect {
      case .pipe:
        guard let ends = LibC.closeOnExecPipe() else {
          throw .spawnFailed(path, reason: "cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        let (child, parent) = target == 0 ? (ends.read, ends.write) : (ends.write, ends.read)
        opened.append(child)
        switch target {
        case 0: spawned.stdin = parent
        case 1: spawned.stdout = parent
        default: spawned.stderr = parent
        }
        posix_spawn_file_actions_adddup2(&actions, child, target)
      case .discard:
        posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
      case .standardOutput:
        posix_spawn_file_actions_adddup2(&actions, 1, target)
      case .inherit:
        break
      }
    }
    // Every other descriptor closes in the child (SwiftNIO's sockets are not close-on-exec).
    _ = LibC.addCloseFrom(&actions, 3)
    if let workingDirectory, !LibC.addChangeDirectory(&actions, workingDirectory) {
      throw .invalidWorkingDirectory(
        workingDirectory, reason: "this C library cannot start a process elsewhere")
    }

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var mask = sigset_t()
    sigemptyset(&mask)
    posix_spawnattr_setsigmask(&attributes, &mask)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in 1..<Int32(32) where signal != SIGKILL && signal != SIGSTOP {
      sigaddset(&defaults, signal)
    }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let argv = [path] + arguments
    let envp = (environment ?? Self.currentEnvironment()).map { "\($0.key)=\($0.value)" }
    let result = Self.withCStrings(argv) { argv in
      Self.withCStrings(envp) { envp in
        posix_spawn(&spawned.processID, path, &actions, &attributes, argv, envp)
      }
    }
    guard result == 0 else { throw Self.failure(result, path: path) }
    started = true
    return spawned
  }

  /// Refuses what cannot reach a program: NUL bytes, `=` in an environment name, standard
  /// input sent to standard output.
  private func validate() throws(ProcessError) {
    if stdin == .standardOutput { throw .invalidArgument("standard input cannot go to standard output") }
    if stdout == .standardOutput { throw .invalidArgument("standard output cannot go to itself") }
    if executable.isEmpty { throw .invalidArgument("the executable's name is empty") }
    for text in [executable] + arguments + [workingDirectory ?? ""] where text.utf8.contains(0) {
      throw .invalidArgument("'\(text.replacingNUL)' holds a NUL byte")
    }
    for (name, value) in environment ?? [:] {
      if name.isEmpty || name.contains("=") || name.utf8.contains(0) {
        throw .invalidArgument("'\(name.replacingNUL)' is not an environment variable name")
      }
      if value.utf8.contains(0) { throw .invalidArgument("the value of \(name) holds a NUL byte") }
    }
    if let workingDirectory {
      var status = stat()
      guard stat(workingDirectory, &status) == 0 else {
        throw .invalidWorkingDirectory(workingDirectory, reason: String(cString: strerror(errno)))
      }
      guard status.st_mode & S_IFMT == S_IFDIR else {
        throw .invalidWorkingDirectory(workingDirectory, reason: "it is not a directory")
      }
    }
  }

  /// The executable's path: as given if it holds a `/`, else the first match on `PATH` (the
  /// child's, if its environment is given).
  private func locate() throws(ProcessError) -> String {
    if executable.contains("/") { return executable }
    let search = environment?["PATH"] ?? getenv("PATH").map { String(cString: $0) } ?? ""
    let directories = (search.isEmpty ? "/usr/bin:/bin" : search).split(separator: ":").map(String.init)
    for directory in directories {
      let candidate = (directory.isEmpty ? "." : directory) + "/" + executable
      var status = stat()
      if stat(candidate, &status) == 0, status.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 {
        return candidate
      }
    }
    throw .executableNotFound(executable, searched: directories)
  }

  private static func failure(_ code: Int32, path: String) -> ProcessError {
    switch code {
    case ENOENT: return .executableNotFound(path, searched: [])
    case EACCES:
      var status = stat()
      let directory = stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
      return .notExecutable(path, reason: directory ? "it is a directory" : "permission denied")
    case ENOEXEC: return .notExecutable(path, reason: "it is not a program this system can run")
    default: return .spawnFailed(path, reason: String(cString: strerror(code)))
    }
  }

  private static func currentEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var entry = environ
    while let pointer = entry.pointee {
      let text = String(cString: pointer)
      if let equals = text.firstIndex(of: "=") {
        result[String(text[..<equals])] = String(text[text.index(after: equals)...])
      }
      entry += 1
    }
    return result
  }

  /// Calls `body` with `strings` as a NULL-terminated array of C strings.
  private static func withCStrings(
    _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Int32
  ) -> Int32 {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
  }
}

extension String {
  fileprivate var replacingNUL: String {
    split(separator: "\0", omittingEmptySubsequences: false).joined(separator: "\\0")
  }
}
