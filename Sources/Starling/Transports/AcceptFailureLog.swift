import NIOCore

/// When a listener that cannot accept connections says so: at the first failure, then at most
/// once per interval (with how many attempts failed since it last said so), and once more when
/// it accepts again.
///
/// A listener out of file descriptors fails every attempt until connections close; one line per
/// attempt would flood the log, and none would leave the operator guessing. No I/O here: the
/// caller passes the time and logs what it is told to.
struct AcceptFailureLog {
  /// The shortest time between two lines about failures.
  let interval: TimeAmount
  /// When the last line about failures was due, or `nil` while accepting works.
  private var lastLine: NIODeadline?
  /// Failed attempts since the last line.
  private var untold = 0
  /// Failed attempts since accepting last worked.
  private var failures = 0

  init(interval: TimeAmount) {
    self.interval = interval
  }

  /// An attempt failed at `now`. Returns how many failed attempts a line should tell of now (this
  /// one and those not told yet), or `nil` to stay quiet.
  mutating func failed(at now: NIODeadline) -> Int? {
    untold += 1
    failures += 1
    if let lastLine, now < lastLine + interval { return nil }
    lastLine = now
    defer { untold = 0 }
    return untold
  }

  /// A connection was accepted. Returns how many attempts had failed before it, if any did.
  mutating func accepted() -> Int? {
    guard failures > 0 else { return nil }
    defer {
      failures = 0
      untold = 0
      lastLine = nil
    }
    return failures
  }
}
