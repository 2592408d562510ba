import NIOCore

/// What a connection waits for, and when that wait runs out: free of I/O and clocks (every
/// event carries the time), so it can be driven with any times.
///
/// A wait's clock starts when the wait does and stops while the server itself is not reading
/// (backpressure), so a slow pipeline never times out a client. The deadline bounds a whole
/// wait, not the gap between bytes: a client sending a byte a second runs out like a silent
/// one.
package struct ConnectionDeadlineStateMachine {
  /// What the connection waits for.
  package enum Wait: Sendable, Hashable {
    /// The first byte of the next message.
    case idle
    /// The rest of a message (a TCP frame, an HTTP request head).
    case head
    /// The rest of an HTTP request's body.
    case body
    /// The answer to a request, which the pipeline owes (untimed).
    case answer
  }

  package let timeouts: ConnectionTimeouts
  package private(set) var wait: Wait = .idle
  /// When the current wait began, moved later by the time reading was paused.
  private var since: NIODeadline
  /// When the server stopped reading, while it has.
  private var pausedAt: NIODeadline?
  /// Whether bytes of a next request arrived while an answer was owed.
  private var bytesWhileAnswering = false

  package init(timeouts: ConnectionTimeouts, now: NIODeadline) {
    self.timeouts = timeouts
    self.since = now
  }

  /// When the current wait runs out; `nil` when it is untimed or reading is paused.
  package var deadline: NIODeadline? {
    guard pausedAt == nil else { return nil }
    let limit: TimeAmount?
    switch wait {
    case .idle: limit = timeouts.idle
    case .head: limit = timeouts.head
    case .body: limit = timeouts.body
    case .answer: limit = nil
    }
    return limit.map { since + $0 }
  }

  /// The wait that has run out by `now`, if one has.
  package func expired(at now: NIODeadline) -> Wait? {
    guard let deadline, now >= deadline else { return nil }
    return wait
  }

  // MARK: Events

  /// Bytes arrived: an idle connection starts a message.
  package mutating func bytesReceived(at now: NIODeadline) {
    switch wait {
    case .idle: begin(.head, at: now)
    case .answer: bytesWhileAnswering = true
    case .head, .body: break
    }
  }

  /// A protocol handler's news.
  package mutating func progress(_ progress: ConnectionProgress, at now: NIODeadline) {
    switch progress {
    case .messagesReceived(let partial):
      begin(partial ? .head : .idle, at: now)
    case .headReceived:
      begin(.body, at: now)
    case .requestReceived:
      begin(.answer, at: now)
      bytesWhileAnswering = false
    case .answerSent:
      begin(bytesWhileAnswering ? .head : .idle, at: now)
      bytesWhileAnswering = false
    }
  }

  /// The server stopped reading (it has nowhere to put more yet).
  package mutating func readingPaused(at now: NIODeadline) {
    if pausedAt == nil { pausedAt = now }
  }

  /// The server reads again: the time it did not read does not count against the client.
  package mutating func readingResumed(at now: NIODeadline) {
    guard let pausedAt else { return }
    self.pausedAt = nil
    since = since + (now - max(pausedAt, since))
  }

  private mutating func begin(_ next: Wait, at now: NIODeadline) {
    wait = next
    since = now
  }
}
