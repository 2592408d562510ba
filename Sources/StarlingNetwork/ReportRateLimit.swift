import NIOCore

/// At most one report per interval about something that keeps happening: the first time,
/// then once an interval has passed, each report counting what happened since the last.
/// Free of clocks: every event carries the time.
package struct ReportRateLimit: Sendable {
  package let interval: TimeAmount
  private var lastReport: NIODeadline?
  private var unreported = 0

  package init(interval: TimeAmount) {
    self.interval = interval
  }

  /// One more occurrence at `now`: how many occurred since the last report (this one
  /// included) when a report is due now, else `nil`.
  package mutating func record(at now: NIODeadline) -> Int? {
    unreported += 1
    if let lastReport, now - lastReport < interval { return nil }
    lastReport = now
    defer { unreported = 0 }
    return unreported
  }
}
