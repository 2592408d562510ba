/// `pub0`: every message goes to every connected sub.
///
/// A pub never waits: a pipe that cannot take the message now (its connection's buffers are
/// full) loses it, and the loss is counted as a ``DropReason/queueFull`` drop. With no
/// subscribers, a message simply goes nowhere.
struct Pub0Machine: ProtocolMachine {
  static let identity = SPProtocol.pub0
  private var fanOut = FanOut()

  mutating func pipeAdded(_ pipe: PipeID) -> SPError? {
    fanOut.add(pipe)
    return nil
  }

  mutating func pipeRemoved(_ pipe: PipeID) -> [ProtocolEffect] {
    fanOut.remove(pipe)
    return []
  }

  mutating func route(_ message: Message, ready: [PipeID]) -> RouteDecision {
    fanOut.route(message, ready: ready)
  }

  mutating func inbound(_ message: Message, from pipe: PipeID) -> InboundDecision {
    .closePipe(.protocolError("a sub peer sent a message to a pub socket"))
  }
}

/// `sub0`: receives what pubs send, filtered locally by topic.
///
/// A topic is a byte prefix of the body: the empty topic matches everything, and with no
/// subscription nothing is received. Nothing about subscriptions goes on the wire. When the
/// receive queue is full the oldest message is dropped (and counted), as nng does: the pub
/// on the other side never waits, so holding back reads would only move the loss there.
struct Sub0Machine: ProtocolMachine {
  static let identity = SPProtocol.sub0
  static let dropsOldestWhenFull = true
  private(set) var topics: [[UInt8]] = []

  mutating func subscribe(_ topic: [UInt8]) {
    if !topics.contains(topic) { topics.append(topic) }
  }

  /// Returns `false` if there was no such subscription.
  mutating func unsubscribe(_ topic: [UInt8]) -> Bool {
    guard let index = topics.firstIndex(of: topic) else { return false }
    topics.remove(at: index)
    return true
  }

  mutating func pipeAdded(_ pipe: PipeID) -> SPError? { nil }
  mutating func pipeRemoved(_ pipe: PipeID) -> [ProtocolEffect] { [] }

  mutating func route(_ message: Message, ready: [PipeID]) -> RouteDecision {
    .fail(.badState("a sub socket cannot send"))
  }

  mutating func inbound(_ message: Message, from pipe: PipeID) -> InboundDecision {
    let body = message.body.readableBytesView
    let matches = topics.contains { topic in body.count >= topic.count && body.starts(with: topic) }
    guard matches else { return .drop(.unsubscribed) }
    var delivered = message
    delivered.pipe = pipe
    return .deliver(delivered)
  }
}

/// `bus0`: every message goes to every connected peer except the one it came from.
///
/// Like pub, a bus never waits; a peer that cannot take a message now loses it (counted).
struct Bus0Machine: ProtocolMachine {
  static let identity = SPProtocol.bus0
  private var fanOut = FanOut()

  mutating func pipeAdded(_ pipe: PipeID) -> SPError? {
    fanOut.add(pipe)
    return nil
  }

  mutating func pipeRemoved(_ pipe: PipeID) -> [ProtocolEffect] {
    fanOut.remove(pipe)
    return []
  }

  mutating func route(_ message: Message, ready: [PipeID]) -> RouteDecision {
    var outgoing = message
    outgoing.pipe = nil
    return fanOut.route(outgoing, ready: ready, excluding: message.pipe)
  }

  mutating func inbound(_ message: Message, from pipe: PipeID) -> InboundDecision {
    var delivered = message
    delivered.pipe = pipe
    return .deliver(delivered)
  }
}
