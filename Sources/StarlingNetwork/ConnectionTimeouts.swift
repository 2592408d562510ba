import NIOCore

/// How long a server's connection may take over each thing it waits for; `nil`
/// waits for ever.
package struct ConnectionTimeouts: Sendable, Hashable {
  /// Waiting for the first byte of the next message (a new connection, or one between
  /// messages): closed without a word when it runs out.
  package var idle: TimeAmount?
  /// From a message's first byte until it is whole (a TCP frame, an HTTP request head).
  package var head: TimeAmount?
  /// From an HTTP request's head until its body is whole.
  package var body: TimeAmount?

  /// Timeouts from durations; zero turns one off.
  package init(idle: Duration?, head: Duration?, body: Duration? = nil) {
    func amount(_ duration: Duration?) -> TimeAmount? {
      guard let duration, duration > .zero else { return nil }
      return TimeAmount(duration)
    }
    self.idle = amount(idle)
    self.head = amount(head)
    self.body = amount(body)
  }
}

/// What a connection's protocol handlers tell ``ConnectionTimeoutHandler`` (as outbound user
/// events) about the messages they decode and answer.
package enum ConnectionProgress: Sendable, Hashable {
  /// Messages were decoded; `partial` when the bytes of the next one have begun.
  case messagesReceived(partial: Bool)
  /// An HTTP request's head is whole; its body is next.
  case headReceived
  /// An HTTP request is whole; the connection waits for its answer, untimed.
  case requestReceived
  /// The answer to an HTTP request has been written.
  case answerSent
}
