/// `push0`: each message goes to one ready pipe, round robin; with no ready pipe the send
/// waits (backpressure). A push socket never receives.
struct Push0Machine: ProtocolMachine {
  static let identity = SPProtocol.push0
  private var cursor = 0

  mutating func pipeAdded(_ pipe: PipeID) -> SPError? { nil }
  mutating func pipeRemoved(_ pipe: PipeID) -> [ProtocolEffect] { [] }

  mutating func route(_ message: Message, ready: [PipeID]) -> RouteDecision {
    guard !ready.isEmpty else { return .wait }
    cursor = cursor &+ 1
    return .write(PipeWrite(pipe: ready[cursor % ready.count], message: message))
  }

  mutating func inbound(_ message: Message, from pipe: PipeID) -> InboundDecision {
    .closePipe(.protocolError("a pull peer sent a message to a push socket"))
  }
}

/// `pull0`: receives from every pipe, fairly (the socket reads pipes in turn). Never sends.
struct Pull0Machine: ProtocolMachine {
  static let identity = SPProtocol.pull0

  mutating func pipeAdded(_ pipe: PipeID) -> SPError? { nil }
  mutating func pipeRemoved(_ pipe: PipeID) -> [ProtocolEffect] { [] }

  mutating func route(_ message: Message, ready: [PipeID]) -> RouteDecision {
    .fail(.badState("a pull socket cannot send"))
  }

  mutating func inbound(_ message: Message, from pipe: PipeID) -> InboundDecision {
    var delivered = message
    delivered.pipe = pipe
    return .deliver(delivered)
  }
}
