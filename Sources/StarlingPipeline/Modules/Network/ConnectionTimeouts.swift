import NIOCore

/// How long a listening input's connection may take over each thing it waits for; `nil`
/// waits for ever.
struct ConnectionTimeouts: Sendable, Hashable {
  /// Waiting for the first byte of the next message (a new connection, or one between
  /// messages): closed without a word when it runs out.
  var idle: TimeAmount?
  /// From a message's first byte until it is whole (a TCP frame, an HTTP request head).
  var head: TimeAmount?
  /// From an HTTP request's head until its body is whole.
  var body: TimeAmount?

  /// Timeouts from durations; zero turns one off.
  init(idle: Duration?, head: Duration?, body: Duration? = nil) {
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
enum ConnectionProgress: Sendable, Hashable {
  /// Messages were decoded; `partial` when the bytes of the next one have begun.
  case messagesReceived(partial: Bool)
  /// An HTTP request's head is whole; its body is next.
  case headReceived
  /// An HTTP request is whole; the connection waits for its answer, untimed.
  case requestReceived
  /// The answer to an HTTP request has been written.
  case answerSent
}
