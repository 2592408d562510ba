import Foundation
import Testing

/// A program run by a test: its stdout and stderr are collected as they come, a test can wait
/// for a line, and every wait is bounded so a stuck program fails the test instead of hanging it.
///
/// With `holdStdout`, nothing reads standard output until the test calls ``readOutput(timeout:)``:
/// once the pipe's buffer is full the program's writes block (a slow consumer made from a real
/// pipe).
final class ChildProcess: @unchecked Sendable {
  // `state` is guarded by `lock`; `process` and the pipes are set up once in init.
  private let process = Process()
  private let outPipe = Pipe()
  private let errPipe = Pipe()
  private let inPipe = Pipe()
  private let lock = NSLock()
  private var state = State()
  private let holdsStdout: Bool
  let name: String

  /// The result of a finished program.
  struct Outcome: Sendable {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// The stderr lines that are not empty.
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
  }

  /// Which output stream.
  enum Stream: Sendable { case stdout, stderr }

  private struct State {
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    var stdoutClosed = false
    var stderrClosed = false
    var status: Int32?
    var waiters: [UUID: (check: (State) -> Bool, continuation: CheckedContinuation<Bool, Never>)] = [:]

    var finished: Bool { status != nil && stdoutClosed && stderrClosed }
  }

  /// Starts `executable` with `arguments`.
  ///
  /// `stdin` is written to the program's standard input, which is then closed, unless
  /// `keepInputOpen` (then ``closeInput()`` closes it).
  init(
    _ executable: String, _ arguments: [String], stdin: Data? = nil, keepInputOpen: Bool = false,
    environment: [String: String] = [:], holdStdout: Bool = false
  ) throws {
    holdsStdout = holdStdout
    name = URL(fileURLWithPath: executable).lastPathComponent + " " + arguments.joined(separator: " ")
    // Close-on-exec, so a program started at the same time by a parallel test does not inherit
    // these pipes (a stray writer keeps a pipe from reaching end of file).
    for pipe in [outPipe, errPipe, inPipe] {
      _ = fcntl(pipe.fileHandleForReading.fileDescriptor, F_SETFD, FD_CLOEXEC)
      _ = fcntl(pipe.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
    }
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = inPipe
    if !holdStdout { collect(outPipe, into: \.stdout, closed: \.stdoutClosed) }
    collect(errPipe, into: \.stderr, closed: \.stderrClosed)
    process.terminationHandler = { [weak self] process in
      let status = process.terminationStatus
      self?.update { $0.status = status }
    }
    try process.run()
    if let stdin { inPipe.fileHandleForWriting.write(stdin) }
    if !keepInputOpen { closeInput() }
  }

  /// Appends what arrives on `pipe` to the state as it comes (see `PipeReader`).
  private func collect(
    _ pipe: Pipe, into bytes: any WritableKeyPath<State, [UInt8]> & Sendable,
    closed: any WritableKeyPath<State, Bool> & Sendable
  ) {
    PipeReader.start(pipe.fileHandleForReading) { [weak self] chunk in
      self?.update { state in
        if let chunk { state[keyPath: bytes] += chunk } else { state[keyPath: closed] = true }
      }
    }
  }

  /// Closes the program's standard input (end of file).
  func closeInput() {
    try? inPipe.fileHandleForWriting.close()
  }

  deinit {
    if process.isRunning { process.terminate() }
  }

  private func update(_ change: (inout State) -> Void) {
    let ready = lock.withLock {
      change(&state)
      var ready: [CheckedContinuation<Bool, Never>] = []
      for (id, waiter) in state.waiters where waiter.check(state) {
        ready.append(waiter.continuation)
        state.waiters[id] = nil
      }
      return ready
    }
    for continuation in ready { continuation.resume(returning: true) }
  }

  /// Waits until `check` holds for the collected state, up to `timeout`; false on timeout.
  private func wait(timeout: Duration, until check: @escaping (State) -> Bool) async -> Bool {
    let id = UUID()
    let watchdog = Task { [weak self] in
      try? await Task.sleep(for: timeout)
      guard let self else { return }
      let waiter = self.lock.withLock { self.state.waiters.removeValue(forKey: id) }
      waiter?.continuation.resume(returning: false)
    }
    defer { watchdog.cancel() }
    return await withCheckedContinuation { continuation in
      let already = lock.withLock {
        if check(state) { return true }
        state.waiters[id] = (check, continuation)
        return false
      }
      if already { continuation.resume(returning: true) }
    }
  }

  /// The first line on `stream` that starts with `prefix`, waiting for it.
  func line(
    startingWith prefix: String, on stream: Stream = .stderr, timeout: Duration = .seconds(20)
  ) async throws -> String {
    try await line(on: stream, timeout: timeout, "starting with '\(prefix)'") { $0.hasPrefix(prefix) }
  }

  /// The first line on `stream` that contains `text`, waiting for it.
  func line(
    containing text: String, on stream: Stream = .stderr, timeout: Duration = .seconds(20)
  ) async throws -> String {
    try await line(on: stream, timeout: timeout, "containing '\(text)'") { $0.contains(text) }
  }

  /// Waits until `count` lines on `stream` contain `text`.
  func lines(
    containing text: String, count: Int, on stream: Stream = .stderr, timeout: Duration = .seconds(30)
  ) async throws {
    func found(_ state: State) -> Int {
      let bytes = stream == .stdout ? state.stdout : state.stderr
      return String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        .dropLast().filter { $0.contains(text) }.count
    }
    let enough = await wait(timeout: timeout) { found($0) >= count || $0.status != nil }
    let (seen, sofar) = lock.withLock { (found(state), String(decoding: state.stderr, as: UTF8.self)) }
    guard enough, seen >= count else {
      throw ProcessError("\(name): \(seen) of \(count) lines containing '\(text)' (stderr so far: \(sofar))")
    }
  }

  /// The first line on `stream` for which `matching` holds (`what` describes it for the
  /// error), waiting for it.
  func line(
    on stream: Stream = .stderr, timeout: Duration = .seconds(20), _ what: String,
    matching: @escaping (Substring) -> Bool
  ) async throws -> String {
    func find(_ state: State) -> String? {
      let bytes = stream == .stdout ? state.stdout : state.stderr
      return String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        .dropLast().first(where: matching).map(String.init)
    }
    // A program that has exited will print nothing more.
    let found = await wait(timeout: timeout) { find($0) != nil || $0.status != nil }
    let (line, sofar) = lock.withLock { (find(state), String(decoding: state.stderr, as: UTF8.self)) }
    guard found, let line else {
      throw ProcessError("\(name): no line \(what) (stderr so far: \(sofar))")
    }
    return line
  }

  /// Waits until both output pipes have ended: every process that shared them (the program,
  /// and any it started) has exited. False after `timeout`.
  func endOfOutput(timeout: Duration = .seconds(30)) async -> Bool {
    await wait(timeout: timeout) { $0.stdoutClosed && $0.stderrClosed }
  }

  /// With `holdStdout`: waits, without reading anything, until the program has written to its
  /// standard output.
  func waitForOutput(timeout: Duration = .seconds(20)) async throws {
    let fd = outPipe.fileHandleForReading.fileDescriptor
    let milliseconds = Int32(timeout.components.seconds * 1000)
    let ready = await withCheckedContinuation { continuation in
      DispatchQueue.global().async {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var result: Int32
        repeat { result = poll(&poller, 1, milliseconds) } while result < 0 && errno == EINTR
        continuation.resume(returning: result > 0 && poller.revents & Int16(POLLIN) != 0)
      }
    }
    guard ready else { throw ProcessError("\(name): wrote nothing to standard output within \(timeout)") }
  }

  /// With `holdStdout`: reads standard output until the program has exited and the pipe is
  /// empty. If the program has not exited within `timeout`, it is killed. End of file is not
  /// awaited: a program started at the same moment by a parallel test may hold the pipe open.
  func readOutput(timeout: Duration = .seconds(30)) async -> [UInt8] {
    precondition(holdsStdout, "readOutput is for a process started with holdStdout")
    let fd = outPipe.fileHandleForReading.fileDescriptor
    let deadline = ContinuousClock.now + timeout
    let output = await withCheckedContinuation { continuation in
      DispatchQueue.global().async { [self] in
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
          var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
          if poll(&poller, 1, 50) > 0 {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
              output += buffer[0..<count]
              continue
            }
            if count == 0 || errno != EINTR { break }  // end of file, or the pipe failed
          } else if lock.withLock({ state.status != nil }) {
            break  // exited, and nothing is left in the pipe
          } else if ContinuousClock.now > deadline, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
          }
        }
        continuation.resume(returning: output)
      }
    }
    update {
      $0.stdout = output
      $0.stdoutClosed = true
    }
    return output
  }

  /// Waits for the program to exit (killing it after `timeout`) and returns what it printed.
  func finish(timeout: Duration = .seconds(30)) async throws -> Outcome {
    let exited = await wait(timeout: timeout) { $0.status != nil }
    if !exited {
      process.terminate()
      _ = await wait(timeout: .seconds(5)) { $0.status != nil }
      let (sofar, status) = lock.withLock {
        (
          String(decoding: state.stderr, as: UTF8.self),
          "exit status \(state.status.map(String.init) ?? "none"), stdout \(state.stdoutClosed ? "closed" : "open"), "
            + "stderr \(state.stderrClosed ? "closed" : "open")"
        )
      }
      throw ProcessError("\(name) did not finish within \(timeout) (\(status); stderr: \(sofar))")
    }
    // Its output is all in the pipes now, and the reading threads take it at once. End of file
    // normally follows; if a program the tested one started still holds a pipe, it does not,
    // so it is waited for two seconds at most.
    _ = await wait(timeout: .seconds(2), until: { $0.finished })
    return lock.withLock {
      Outcome(
        status: state.status ?? -1, stdout: state.stdout,
        stderr: String(decoding: state.stderr, as: UTF8.self))
    }
  }

  /// The program's process ID.
  var processIdentifier: Int32 { process.processIdentifier }

  /// Sends the program a signal (SIGINT to test a graceful stop, say).
  func signal(_ signal: Int32) {
    if process.isRunning { kill(process.processIdentifier, signal) }
  }

  /// Stops the program (SIGTERM, then SIGKILL if it is still there after 2 s: a program
  /// started from a thread that blocks SIGTERM inherits the block) and returns what it printed.
  func stop() async throws -> Outcome {
    if process.isRunning { process.terminate() }
    if await wait(timeout: .seconds(2), until: { $0.finished }) == false, process.isRunning {
      kill(process.processIdentifier, SIGKILL)
    }
    return try await finish(timeout: .seconds(10))
  }
}

/// A failure of a test's helper program.
struct ProcessError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
