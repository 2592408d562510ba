/// How often each value occurred within a sliding time window: `flow.count`'s state, kept
/// free of clocks so it can be driven with any times.
struct OccurrenceWindow {
  /// The window's length in seconds; 0 counts every occurrence for ever.
  let window: Double
  /// Per value: the times of its occurrences still in the window (for a 0 window, only the
  /// count is kept: `times` stays empty).
  private var seen: [EventValue: (times: [Double], count: Int)] = [:]
  private var recordsSinceSweep = 0

  init(window: Double) {
    self.window = window
  }

  /// Records one occurrence of `value` at time `now` (seconds, never decreasing) and returns
  /// how many times it occurred within the window, this one included.
  mutating func record(_ value: EventValue, at now: Double) -> Int {
    guard window > 0 else {
      let count = (seen[value]?.count ?? 0) + 1
      seen[value] = ([], count)
      return count
    }
    recordsSinceSweep += 1
    if recordsSinceSweep >= 1024 { sweep(at: now) }
    var times = seen[value]?.times ?? []
    let expired = times.prefix { now - $0 >= window }.count
    times.removeFirst(expired)
    times.append(now)
    seen[value] = (times, times.count)
    return times.count
  }

  /// The number of values tracked now.
  var trackedValues: Int { seen.count }

  /// Forgets values whose occurrences have all left the window, so memory follows the
  /// values seen recently rather than every value ever seen.
  private mutating func sweep(at now: Double) {
    recordsSinceSweep = 0
    seen = seen.filter { _, entry in entry.times.last.map { now - $0 < window } ?? false }
  }
}
