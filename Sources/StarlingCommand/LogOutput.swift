import Logging

import struct StarlingChannels.Lock

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the command's log records go: formatted as text or JSON and written to stderr one
/// line per write (so the lines of several worker processes sharing stderr do not mix), with
/// repeats held back and summarised (``RepeatedLogStateMachine``; a timer writes each summary
/// when its window ends). Only warnings and errors are summarised: a flood is made of those,
/// while lines below warning say what the command does (`listening on …`, `reloaded …`) and
/// each one matters; who asks for debug and trace lines wants every one too.
final class LogOutput: Sendable {
  let format: LogFormat
  private let sink: @Sendable (String) -> Void
  /// The project's `Lock` (a pthread mutex), not `Synchronization.Mutex`: ThreadSanitizer does
  /// not see the standard library's uninstrumented mutex and reported the summary timer's
  /// reads, made under it, as races (killing TSan-built workers with exit 66).
  private let state: Lock<State>

  private struct State: Sendable {
    var repeats: RepeatedLogStateMachine<LogRecord.Key, ContinuousClock.Instant>
    var timerRunning = false
  }

  /// Output in `format`, summarising repeats over `window`, written by `write` (one call per
  /// line, without the newline; stderr by default).
  init(
    format: LogFormat, window: Duration = .seconds(10),
    write: @escaping @Sendable (String) -> Void = LogOutput.standardError
  ) {
    self.format = format
    self.sink = write
    state = Lock.make(State(repeats: RepeatedLogStateMachine(window: window)))
  }

  /// Writes `line` and a newline to stderr in one call.
  static func standardError(_ line: String) {
    var bytes = Array(line.utf8)
    bytes.append(UInt8(ascii: "\n"))
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
      if written < 0 {
        if errno == EINTR { continue }
        return
      }
      offset += written
    }
  }

  /// Writes a record, unless it repeats one written in the current window.
  func emit(_ record: LogRecord) {
    guard record.level >= .warning else {
      state.withLock { _ in sink(record.line(format)) }
      return
    }
    let startTimer = state.withLock { state -> Bool in
      let (shouldWrite, summaries) = state.repeats.record(record.key, at: .now)
      for summary in summaries { sink(Self.summary(summary).line(format)) }
      if shouldWrite { sink(record.line(format)) }
      guard !state.timerRunning, state.repeats.nextDeadline != nil else { return false }
      state.timerRunning = true
      return true
    }
    if startTimer { Task.detached { await self.writeSummaries() } }
  }

  /// Writes the summaries of repeats not yet reported (the process is about to exit).
  func flush() {
    state.withLock { state in
      for summary in state.repeats.flush(at: .now) { sink(Self.summary(summary).line(format)) }
    }
  }

  /// Writes each summary when its window ends, for as long as windows are open.
  private func writeSummaries() async {
    while true {
      let deadline = state.withLock { state -> ContinuousClock.Instant? in
        let deadline = state.repeats.nextDeadline
        if deadline == nil { state.timerRunning = false }
        return deadline
      }
      guard let deadline else { return }
      try? await Task.sleep(until: deadline, clock: .continuous)
      state.withLock { state in
        for summary in state.repeats.expire(at: .now) { sink(Self.summary(summary).line(format)) }
      }
    }
  }

  private static func summary(
    _ summary: RepeatedLogStateMachine<LogRecord.Key, ContinuousClock.Instant>.Summary
  )
    -> LogRecord
  {
    LogRecord(
      timestamp: .now(), level: summary.key.level, label: summary.key.label, module: summary.key.module,
      message: summary.key.message, metadata: [], repeats: (summary.count, summary.window))
  }
}
