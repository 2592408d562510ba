import Foundation

/// The lines a child process writes to a pipe, collected as they come; a test waits for the
/// next line with a given prefix (lines with other prefixes stay for later).
public final class OutputLines: @unchecked Sendable {
  // Everything below is guarded by `lock`.
  private let lock = NSLock()
  private var lines: [String] = []
  private var buffer: [UInt8] = []
  /// The pipe reached its end: no more lines come.
  private var ended = false
  private var waiters: [Int: (prefix: String, continuation: CheckedContinuation<String?, Never>)] = [:]
  private var nextWaiter = 0

  /// Starts collecting the lines of `handle` (a pipe's reading end).
  public init(reading handle: FileHandle) {
    PipeReader.start(handle) { [weak self] chunk in self?.consume(chunk) }
  }

  /// Adds `chunk` (`nil`: the end) and hands waiters their lines.
  private func consume(_ chunk: [UInt8]?) {
    let ready = lock.withLock {
      if let chunk { buffer += chunk } else { ended = true }
      while let newline = buffer.firstIndex(of: 0x0a) {
        lines.append(String(decoding: buffer[..<newline], as: UTF8.self))
        buffer.removeSubrange(...newline)
      }
      var ready: [(CheckedContinuation<String?, Never>, String?)] = []
      for (id, waiter) in waiters.sorted(by: { $0.key < $1.key }) {
        if let index = lines.firstIndex(where: { $0.hasPrefix(waiter.prefix) }) {
          ready.append((waiter.continuation, lines.remove(at: index)))
        } else if ended {
          ready.append((waiter.continuation, nil))
        } else {
          continue
        }
        waiters[id] = nil
      }
      return ready
    }
    for (waiter, line) in ready { waiter.resume(returning: line) }
  }

  /// The next line starting with `prefix`; `nil` if the output ends first or `timeout` passes
  /// (then `onTimeout` runs first: kill the child there).
  public func line(
    _ prefix: String, timeout: Duration, onTimeout: @escaping @Sendable () -> Void = {}
  ) async -> String? {
    let id = lock.withLock {
      nextWaiter += 1
      return nextWaiter
    }
    let watchdog = Task { [weak self] in
      try await Task.sleep(for: timeout)
      onTimeout()
      guard let self else { return }
      self.lock.withLock { self.waiters.removeValue(forKey: id) }?.continuation.resume(returning: nil)
    }
    defer { watchdog.cancel() }
    return await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
      let found: String?? = lock.withLock {
        if let index = lines.firstIndex(where: { $0.hasPrefix(prefix) }) { return lines.remove(at: index) }
        if ended { return .some(nil) }
        waiters[id] = (prefix, continuation)
        return nil
      }
      if let found { continuation.resume(returning: found) }
    }
  }
}
