/// Which log lines to write when the same one comes again and again: the first is written,
/// repeats within `window` are counted instead, and when the window ends a summary says how
/// many there were ("… 2,146 more in the last 10 s"). While the repeats go on, each window
/// ends with a summary and a new window begins; a window that ends without a repeat forgets
/// the line, so the next one is written again.
///
/// Pure state: the time comes with every call (tests drive it directly; ``RepeatedLogFilter``
/// holds it under a lock with a timer for the windows' ends).
struct RepeatedLogStateMachine<Key: Hashable & Sendable, Instant: InstantProtocol & Sendable>: Sendable
where Instant.Duration == Duration {
  /// A window that ended with repeats in it.
  struct Summary: Sendable, Equatable {
    var key: Key
    /// How many repeats the window counted (the line written first not included).
    var count: Int
    /// The window's length.
    var window: Duration
  }

  private struct Window: Sendable {
    var start: Instant
    var end: Instant
    var repeats = 0
  }

  /// How long repeats are counted before a summary.
  let window: Duration
  /// The most lines tracked at once; more distinct lines are written without being tracked
  /// (so a flood of distinct lines cannot grow the state without bound).
  let capacity: Int
  private var windows: [Key: Window] = [:]

  init(window: Duration, capacity: Int = 1024) {
    self.window = window
    self.capacity = capacity
  }

  /// A line with this key comes at `now`: whether to write it, and the summaries of the
  /// windows that ended by then (to write first).
  mutating func record(_ key: Key, at now: Instant) -> (write: Bool, summaries: [Summary]) {
    let summaries = expire(at: now)
    if windows[key] != nil {
      windows[key]!.repeats += 1
      return (false, summaries)
    }
    if windows.count < capacity { windows[key] = Window(start: now, end: now.advanced(by: window)) }
    return (true, summaries)
  }

  /// The summaries of the windows that ended by `now`. A window with repeats starts a new one
  /// where it ended; one without is forgotten.
  mutating func expire(at now: Instant) -> [Summary] {
    var summaries: [Summary] = []
    for (key, open) in windows where open.end <= now {
      if open.repeats > 0 {
        summaries.append(Summary(key: key, count: open.repeats, window: window))
        // The repeats may go on: count them in the next window.
        var start = open.end
        while start.advanced(by: window) <= now { start = start.advanced(by: window) }
        windows[key] = Window(start: start, end: start.advanced(by: window))
      } else {
        windows[key] = nil
      }
    }
    return summaries
  }

  /// When the next window ends, if any is open.
  var nextDeadline: Instant? { windows.values.map(\.end).min() }

  /// Every window's repeats as summaries at `now` (the process is stopping), each over the
  /// part of its window that has passed; nothing is tracked after.
  mutating func flush(at now: Instant) -> [Summary] {
    var summaries = expire(at: now)
    for (key, open) in windows where open.repeats > 0 {
      summaries.append(Summary(key: key, count: open.repeats, window: open.start.duration(to: now)))
    }
    windows = [:]
    return summaries
  }
}
