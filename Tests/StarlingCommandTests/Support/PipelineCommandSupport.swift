import Foundation
import Testing

/// A program whose standard output the test holds: nothing reads it until the test calls
/// ``readOutput()``, so once the pipe's buffer is full the program's writes block (a slow
/// consumer made from a real pipe). Its stderr is collected as it comes, line by line.
final class HeldOutputProcess: @unchecked Sendable {
  // `state` is guarded by `lock`; `process` and the pipes are set up once in init.
  private let process = Process()
  private let outPipe = Pipe()
  private let errPipe = Pipe()
  private let lock = NSLock()
  private var state = State()
  let name: String

  private struct State {
    var stderr: [UInt8] = []
    var stderrClosed = false
    var status: Int32?
    var waiters: [UUID: (check: (State) -> Bool, continuation: CheckedContinuation<Bool, Never>)] = [:]

    var stderrLines: [String] {
      String(decoding: stderr, as: UTF8.self).split(separator: "\n").map(String.init)
    }
  }

  /// Starts `executable` with `arguments`; standard input is empty.
  init(_ executable: String, _ arguments: [String]) throws {
    name = URL(fileURLWithPath: executable).lastPathComponent + " " + arguments.joined(separator: " ")
    for pipe in [outPipe, errPipe] {
      _ = fcntl(pipe.fileHandleForReading.fileDescriptor, F_SETFD, FD_CLOEXEC)
      _ = fcntl(pipe.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
    }
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = FileHandle.nullDevice
    errPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
      let data = handle.availableData
      self?.update { state in
        if data.isEmpty {
          state.stderrClosed = true
          handle.readabilityHandler = nil
        }
        state.stderr += data
      }
    }
    process.terminationHandler = { [weak self] process in
      let status = process.terminationStatus
      self?.update { $0.status = status }
    }
    try process.run()
  }

  deinit {
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    errPipe.fileHandleForReading.readabilityHandler = nil
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

  /// Waits until `check` holds, up to `timeout`; false on timeout.
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

  /// The first stderr line that contains `text`, waiting for it.
  func stderrLine(containing text: String, timeout: Duration = .seconds(20)) async throws -> String {
    let found = await wait(timeout: timeout) { state in
      state.stderrLines.contains { $0.contains(text) } || state.status != nil
    }
    let (line, sofar) = lock.withLock {
      (state.stderrLines.first { $0.contains(text) }, String(decoding: state.stderr, as: UTF8.self))
    }
    guard found, let line else {
      throw ProcessError("\(name): no stderr line containing '\(text)' (stderr so far: \(sofar))")
    }
    return line
  }

  /// Waits, without reading anything, until the program has written to its standard output.
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

  /// Reads standard output to its end (the program exiting closes it). If it has not ended
  /// within `timeout`, the program is killed, which ends it.
  func readOutput(timeout: Duration = .seconds(30)) async -> [UInt8] {
    let watchdog = Task { [weak self] in
      guard (try? await Task.sleep(for: timeout)) != nil, let self, self.process.isRunning else { return }
      kill(self.process.processIdentifier, SIGKILL)
    }
    defer { watchdog.cancel() }
    let handle = outPipe.fileHandleForReading
    return await withCheckedContinuation { continuation in
      DispatchQueue.global().async {
        continuation.resume(returning: [UInt8](handle.readDataToEndOfFile()))
      }
    }
  }

  /// Sends the program a signal.
  func signal(_ signal: Int32) {
    if process.isRunning { kill(process.processIdentifier, signal) }
  }

  /// Waits for the program to exit (killing it after `timeout`): its status and stderr.
  func finish(timeout: Duration = .seconds(30)) async throws -> (status: Int32, stderr: String) {
    if await wait(timeout: timeout, until: { $0.status != nil && $0.stderrClosed }) == false {
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
      let sofar = lock.withLock { String(decoding: state.stderr, as: UTF8.self) }
      throw ProcessError("\(name) did not finish within \(timeout) (stderr: \(sofar))")
    }
    return lock.withLock { (state.status ?? -1, String(decoding: state.stderr, as: UTF8.self)) }
  }
}
