import Logging

import struct StarlingChannels.Lock

/// A logger whose lines a test can wait for: each server under test logs to one of these.
final class LogCapture: Sendable {
  private struct State {
    var lines: [String] = []
    var waiters: [CheckedContinuation<Void, Never>] = []
  }

  private let state = Lock.make(State())

  /// A logger writing here, at `level` and above.
  func logger(level: Logger.Level = .debug) -> Logger {
    var logger = Logger(label: "test") { _ in Handler(capture: self) }
    logger.logLevel = level
    return logger
  }

  /// The lines logged so far, as `LEVEL message`.
  var lines: [String] { state.withLock { $0.lines } }

  fileprivate func append(_ line: String) {
    let waiters = state.withLock { state in
      state.lines.append(line)
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiters { waiter.resume() }
  }

  /// The first line containing every one of `parts`, waiting up to `timeout` for it.
  func line(containing parts: String..., timeout: Duration = .seconds(30)) async throws -> String {
    let deadline = ContinuousClock.now + timeout
    while true {
      if let line = lines.first(where: { line in parts.allSatisfy(line.contains) }) { return line }
      guard ContinuousClock.now < deadline else {
        throw TestFailure("no log line containing \(parts); logged: \(lines)")
      }
      let watchdog = Task { [weak self] in
        try await Task.sleep(until: deadline)
        self?.append("")
      }
      await withCheckedContinuation { continuation in
        let found = state.withLock { state in
          if state.lines.contains(where: { line in parts.allSatisfy(line.contains) }) { return true }
          state.waiters.append(continuation)
          return false
        }
        if found { continuation.resume() }
      }
      watchdog.cancel()
    }
  }

  private struct Handler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
      get { metadata[key] }
      set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
      capture.append("\(event.level) \(event.message)")
    }
  }
}
