import Synchronization
import Testing

@testable import StarlingCommandLine

/// The lines an in-process proxy logged, for a test to wait on. Every wait is bounded, so a
/// line that never comes fails the test instead of hanging it.
final class LoggedLines: Sendable {
  private struct State {
    var lines: [String] = []
    var waiters: [Int: (text: String, count: Int, continuation: CheckedContinuation<String?, Never>)] = [:]
    var nextWaiter = 0
  }

  private let state = Mutex(State())

  /// A log that appends here.
  var log: ProxyLog {
    ProxyLog { [self] line in append(line) }
  }

  /// Every line so far.
  var all: [String] { state.withLock { $0.lines } }

  private func append(_ text: String) {
    let ready = state.withLock { state -> [(CheckedContinuation<String?, Never>, String)] in
      state.lines += text.split(separator: "\n").map(String.init)
      var ready: [(CheckedContinuation<String?, Never>, String)] = []
      for (id, waiter) in state.waiters {
        if let line = Self.find(waiter.text, waiter.count, in: state.lines) {
          ready.append((waiter.continuation, line))
          state.waiters[id] = nil
        }
      }
      return ready
    }
    for (continuation, line) in ready { continuation.resume(returning: line) }
  }

  private static func find(_ text: String, _ count: Int, in lines: [String]) -> String? {
    let matching = lines.filter { $0.contains(text) }
    return matching.count >= count ? matching[count - 1] : nil
  }

  /// The `count`-th line containing `text`, waiting up to `timeout` for it.
  @discardableResult
  func line(containing text: String, count: Int = 1, timeout: Duration = .seconds(30)) async throws -> String
  {
    let id = state.withLock { state in
      defer { state.nextWaiter += 1 }
      return state.nextWaiter
    }
    let watchdog = Task { [self] in
      try? await Task.sleep(for: timeout)
      state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: nil)
    }
    defer { watchdog.cancel() }
    let line = await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
      let found = state.withLock { state -> String?? in
        if let line = Self.find(text, count, in: state.lines) { return .some(line) }
        state.waiters[id] = (text, count, continuation)
        return .none
      }
      if case .some(let line) = found { continuation.resume(returning: line) }
    }
    guard let line else {
      throw ProcessError(
        "the proxy logged no line #\(count) containing '\(text)'; it logged:\n\(all.joined(separator: "\n"))")
    }
    return line
  }
}
