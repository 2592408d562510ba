/// The protocol half of a socket: a state machine with no I/O in it.
///
/// The socket core owns the pipes, the queues, the waiting callers and the timers; it asks the
/// protocol where each outgoing message goes and what each incoming message means, and carries
/// out the answer. Every protocol can therefore be tested against pipes that are only numbers.
protocol ProtocolMachine: Sendable {
  /// The protocol's identity on the wire.
  static var identity: SPProtocol { get }

  /// A pipe finished its handshake. Returning an error refuses (and closes) it.
  mutating func pipeAdded(_ pipe: PipeID) -> SPError?

  /// A pipe is gone.
  mutating func pipeRemoved(_ pipe: PipeID) -> [ProtocolEffect]

  /// Where an outgoing message goes, given the pipes that can take a message now (in the
  /// order they were added).
  mutating func route(_ message: Message, ready: [PipeID]) -> RouteDecision

  /// What an incoming message means.
  mutating func inbound(_ message: Message, from pipe: PipeID) -> InboundDecision

  /// What the socket does when its receive queue is full: stop reading from pipes
  /// (backpressure, the default) or drop the oldest queued message (sub, whose pub never waits).
  static var dropsOldestWhenFull: Bool { get }
}

extension ProtocolMachine {
  static var dropsOldestWhenFull: Bool { false }
}

/// Where an outgoing message goes.
enum RouteDecision: Sendable, Equatable {
  /// Write this message on this pipe.
  case write(PipeWrite)
  /// Write these (one message to many pipes); `dropped` pipes could not take it now, and lose
  /// it: pub and bus never wait.
  case fanOut([PipeWrite], dropped: Int)
  /// No pipe can take it now: wait for one (or the send timeout).
  case wait
  /// The message is discarded by design (e.g. pub with no subscribers); the send succeeds.
  case discard
  /// The send fails.
  case fail(SPError)
}

/// One message to write on one pipe.
struct PipeWrite: Sendable, Equatable {
  let pipe: PipeID
  let message: Message
}

/// What an incoming message means.
enum InboundDecision: Sendable, Equatable {
  /// Hand it to a receiver.
  case deliver(Message)
  /// Hand it to whoever waits for the answer with this ID (a request or survey).
  case deliverReply(id: UInt32, Message)
  /// Drop it, for this reason (counted and logged, the pipe stays).
  case drop(DropReason)
  /// The peer broke the protocol: close the pipe, saying why.
  case closePipe(SPError)
}

/// Something the protocol asks the socket to do after a pipe event.
enum ProtocolEffect: Sendable, Equatable {
  /// Route this message again, as a new send would be (a request whose pipe was lost).
  case resend(Message)
}

/// Why a message was dropped. Every drop is counted under its reason.
public enum DropReason: String, Sendable, Hashable, CaseIterable {
  /// A reply or response whose request or survey is no longer outstanding.
  case stale
  /// More hops than the socket's maximum TTL.
  case ttlExceeded
  /// A queue was full (pub, bus, sub).
  case queueFull
  /// A sub socket had no matching subscription.
  case unsubscribed

  /// Why, in words, for logs.
  public var explanation: String {
    switch self {
    case .stale: "it answers a request or survey that is no longer outstanding"
    case .ttlExceeded: "it took more hops than the maximum TTL"
    case .queueFull: "a queue was full"
    case .unsubscribed: "no subscription matches it"
    }
  }
}
