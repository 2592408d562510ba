import Foundation

import struct StarlingChannels.Lock

/// A program a test runs (curl, a Python peer, Chromium): its output is collected as it
/// comes, a test waits for a line of it, and every wait is bounded so a stuck program fails
/// the test instead of hanging it. Waiting happens off Swift's pool (two threads on the test
/// machines).
final class Program: Sendable {
  private struct State {
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    var openPipes = 2
    var status: Int32?
    var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    var nextWaiter = 0

    var finished: Bool { status != nil && openPipes == 0 }
  }

  private let process = Process()
  private let output = Pipe()
  private let errors = Pipe()
  private let input = Pipe()
  private let state = Lock.make(State())
  let name: String

  /// The Python of the test virtual environment (`.venv`, which scripts/test.sh makes).
  static let python = root.appendingPathComponent(".venv/bin/python3").path

  /// The repository's root.
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// A Python peer from `Tests/StarlingHTTPTests/Peers`.
  static func peer(_ script: String, _ arguments: [String]) throws -> Program {
    guard FileManager.default.fileExists(atPath: python) else {
      throw TestFailure("no .venv at \(python): run scripts/test.sh, which makes it")
    }
    let path = root.appendingPathComponent("Tests/StarlingHTTPTests/Peers/\(script)").path
    return try Program(python, [path] + arguments)
  }

  /// Starts `executable` with `arguments`; its standard input stays open until
  /// ``closeInput()``.
  init(_ executable: String, _ arguments: [String]) throws {
    name = URL(fileURLWithPath: executable).lastPathComponent + " " + arguments.joined(separator: " ")
    for pipe in [output, errors, input] {
      _ = fcntl(pipe.fileHandleForReading.fileDescriptor, F_SETFD, FD_CLOEXEC)
      _ = fcntl(pipe.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
    }
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = input
    collect(output, into: \.stdout)
    collect(errors, into: \.stderr)
    process.terminationHandler = { [weak self] process in
      let status = process.terminationStatus
      self?.update { $0.status = status }
    }
    try process.run()
  }

  deinit {
    kill()
  }

  /// Adds what arrives on `pipe` to `bytes` as it comes (see `PipeReader`).
  private func collect(_ pipe: Pipe, into bytes: any WritableKeyPath<State, [UInt8]> & Sendable) {
    PipeReader.start(pipe.fileHandleForReading) { [weak self] chunk in
      self?.update { state in
        if let chunk { state[keyPath: bytes] += chunk } else { state.openPipes -= 1 }
      }
    }
  }

  private func update(_ change: (inout State) -> Void) {
    let waiters = state.withLock { state in
      change(&state)
      defer { state.waiters = [:] }
      return Array(state.waiters.values)
    }
    // Every change wakes every waiter, which checks again.
    for waiter in waiters { waiter.resume() }
  }

  /// Waits until `check` holds for (stdout, stderr, exit status), up to `timeout`.
  private func wait(
    timeout: Duration, until check: @escaping ([UInt8], [UInt8], Int32?, Bool) -> Bool
  ) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
      let done = state.withLock { check($0.stdout, $0.stderr, $0.status, $0.finished) }
      if done { return true }
      if ContinuousClock.now >= deadline { return false }
      // Woken by the next change of output or status, or by the deadline's watchdog.
      let watchdog = Task { [weak self] in
        try await Task.sleep(until: deadline)
        self?.update { _ in }
      }
      await withCheckedContinuation { continuation in
        let ready = state.withLock { state in
          if check(state.stdout, state.stderr, state.status, state.finished) { return true }
          state.nextWaiter += 1
          state.waiters[state.nextWaiter] = continuation
          return false
        }
        if ready { continuation.resume() }
      }
      watchdog.cancel()
    }
  }

  /// The first line of standard output starting with `prefix`, waiting for it.
  func line(_ prefix: String, timeout: Duration = .seconds(30)) async throws -> String {
    func find(_ bytes: [UInt8]) -> String? {
      String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        .dropLast()
        .first { $0.hasPrefix(prefix) }.map(String.init)
    }
    _ = await wait(timeout: timeout) { out, _, status, _ in find(out) != nil || status != nil }
    let (out, err) = state.withLock { ($0.stdout, $0.stderr) }
    guard let line = find(out) else {
      throw TestFailure(
        "\(name): no line starting with '\(prefix)' (stdout: \(String(decoding: out, as: UTF8.self)), stderr: \(String(decoding: err, as: UTF8.self)))"
      )
    }
    return line
  }

  /// The lines of standard output starting with `prefix`, waiting until there are `count`.
  func lines(_ prefix: String, count: Int, timeout: Duration = .seconds(30)) async throws -> [String] {
    func find(_ bytes: [UInt8]) -> [String] {
      String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        .dropLast()
        .filter { $0.hasPrefix(prefix) }.map(String.init)
    }
    _ = await wait(timeout: timeout) { out, _, status, _ in find(out).count >= count || status != nil }
    let found = state.withLock { find($0.stdout) }
    guard found.count >= count else {
      let err = state.withLock { String(decoding: $0.stderr, as: UTF8.self) }
      throw TestFailure("\(name): \(found.count) of \(count) lines '\(prefix)' (\(found)); stderr: \(err)")
    }
    return Array(found.prefix(count))
  }

  /// Waits for the program to end (killing it after `timeout`): its status and output.
  ///
  /// Once it has exited, the end of its output is waited for two seconds at most: a program
  /// that another test started at the same moment may have inherited the pipes and hold them
  /// open (what the exited program wrote is read well within that time).
  func finish(timeout: Duration = .seconds(60)) async -> (status: Int32, stdout: String, stderr: String) {
    closeInput()
    if !(await wait(timeout: timeout) { _, _, status, _ in status != nil }) { kill() }
    _ = await wait(timeout: .seconds(2)) { _, _, _, finished in finished }
    return state.withLock {
      (
        $0.status ?? -1, String(decoding: $0.stdout, as: UTF8.self),
        String(decoding: $0.stderr, as: UTF8.self)
      )
    }
  }

  /// Closes the program's standard input.
  func closeInput() {
    try? input.fileHandleForWriting.close()
  }

  /// Kills the program (SIGKILL: a child started from a test runner's thread inherits its
  /// blocked signals, SIGTERM among them).
  func kill() {
    if process.isRunning { _ = Foundation.kill(process.processIdentifier, SIGKILL) }
  }

  /// Runs `executable` to its end.
  static func run(
    _ executable: String, _ arguments: [String], timeout: Duration = .seconds(60)
  ) async throws -> (
    status: Int32, stdout: String, stderr: String
  ) {
    try await Program(executable, arguments).finish(timeout: timeout)
  }
}

/// A test's own failure, with what went wrong.
struct TestFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
