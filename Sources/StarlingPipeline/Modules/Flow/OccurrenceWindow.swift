/// How often each value occurred within a sliding time window: `flow.count`'s state, kept
/// free of clocks so it can be driven with any times.
struct OccurrenceWindow {
  /// The window's length in seconds; 0 counts every occurrence for ever.
  let window: Double
  /// Per value: the times of its occurrences, of which those from `start` on are still in the
  /// window (for a 0 window only `count` is kept).
  private struct Occurrences {
    var times: [Double] = []
    var start = 0
    var count = 0
    var last: Double? { times.last }
  }

  private var seen: [EventValue: Occurrences] = [:]
  private var recordsSinceSweep = 0

  init(window: Double) {
    self.window = window
  }

  /// Records one occurrence of `value` at time `now` (seconds, never decreasing) and returns
  /// how many times it occurred within the window, this one included.
  mutating func record(_ value: EventValue, at now: Double) -> Int {
    var entry = seen.removeValue(forKey: value) ?? Occurrences()
    defer { seen[value] = entry }
    guard window > 0 else {
      entry.count += 1
      return entry.count
    }
    recordsSinceSweep += 1
    if recordsSinceSweep >= 1024 { sweep(at: now) }
    while entry.start < entry.times.count, now - entry.times[entry.start] >= window { entry.start += 1 }
    // Drop expired times in bulk, so each one is moved at most once on average.
    if entry.start > 32, entry.start * 2 > entry.times.count {
      entry.times.removeFirst(entry.start)
      entry.start = 0
    }
    entry.times.append(now)
    entry.count = entry.times.count - entry.start
    return entry.count
  }

  /// The number of values tracked now.
  var trackedValues: Int { seen.count }

  /// Forgets values whose occurrences have all left the window, so memory follows the
  /// values seen recently rather than every value ever seen.
  private mutating func sweep(at now: Double) {
    recordsSinceSweep = 0
    seen = seen.filter { _, entry in entry.last.map { now - $0 < window } ?? false }
  }
}
