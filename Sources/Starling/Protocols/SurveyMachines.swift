import NIOCore

/// `surveyor0`: a survey goes to every respondent; responses to a live survey come back
/// until its deadline.
///
/// Survey IDs are made like request IDs (top bit set, random start, +1 per survey). Several
/// surveys may be live at once (one per context); responses to a survey no longer live are
/// dropped as stale.
struct Surveyor0Machine: ProtocolMachine {
  static let identity = SPProtocol.surveyor0
  private var nextID: UInt32
  private var fanOut = FanOut()
  /// The surveys whose responses are wanted.
  private(set) var live: Set<UInt32> = []

  init(firstID: UInt32 = .random(in: 0...0x7fff_ffff)) {
    nextID = firstID | 0x8000_0000
  }

  /// Starts a survey.
  mutating func makeSurvey(_ body: Message) -> (id: UInt32, message: Message) {
    let id = nextID
    nextID = (nextID &+ 1) | 0x8000_0000
    live.insert(id)
    return (id, Message(body: body.body, header: ByteBuffer(integer: id, endianness: .big)))
  }

  /// Ends a survey: later responses are stale.
  mutating func endSurvey(_ id: UInt32) {
    live.remove(id)
  }

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
    var body = message.body
    guard let id = body.readInteger(endianness: .big, as: UInt32.self) else {
      return .closePipe(
        .protocolError("a response of \(message.body.readableBytes) bytes is shorter than a survey ID"))
    }
    guard live.contains(id) else { return .drop(.stale) }
    // The header is the 4 bytes just read, as a slice of the same storage: no allocation.
    var response = Message(
      body: body, header: message.body.getSlice(at: message.body.readerIndex, length: 4)!)
    response.pipe = pipe
    return .deliverReply(id: id, response)
  }
}

/// `respondent0`: answers surveys, each on the pipe it came from, with its backtrace — the
/// same wire behaviour as ``Rep0Machine``.
struct Respondent0Machine: ProtocolMachine {
  static let identity = SPProtocol.respondent0
  private var replier: Rep0Machine

  init(maxTTL: Int = 8) {
    replier = Rep0Machine(maxTTL: maxTTL)
  }

  mutating func pipeAdded(_ pipe: PipeID) -> SPError? { replier.pipeAdded(pipe) }
  mutating func pipeRemoved(_ pipe: PipeID) -> [ProtocolEffect] { replier.pipeRemoved(pipe) }
  mutating func route(_ message: Message, ready: [PipeID]) -> RouteDecision {
    replier.route(message, ready: ready)
  }
  mutating func inbound(_ message: Message, from pipe: PipeID) -> InboundDecision {
    replier.inbound(message, from: pipe)
  }
}
