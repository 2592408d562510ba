import NIOCore

/// `pair0`: exactly one peer, no header. A second connection is refused while the first lives.
struct Pair0Machine: ProtocolMachine {
  static let identity = SPProtocol.pair0
  private(set) var peer: PipeID?

  mutating func pipeAdded(_ pipe: PipeID) -> SPError? {
    if let peer { return .badState("pair0 already has a peer (\(peer)); a second connection is refused") }
    peer = pipe
    return nil
  }

  mutating func pipeRemoved(_ pipe: PipeID) -> [ProtocolEffect] {
    if peer == pipe { peer = nil }
    return []
  }

  mutating func route(_ message: Message, ready: [PipeID]) -> RouteDecision {
    guard let peer, ready.contains(peer) else { return .wait }
    return .write(PipeWrite(pipe: peer, message: message))
  }

  mutating func inbound(_ message: Message, from pipe: PipeID) -> InboundDecision {
    var delivered = message
    delivered.pipe = pipe
    return .deliver(delivered)
  }
}

/// `pair1`: a 4-byte big-endian hop count before the body.
///
/// The sender starts at 0 and adds 1 (so the wire shows `00 00 00 01`). A receiver closes the
/// pipe on a message shorter than 4 bytes or a count above 255, and drops messages whose count
/// is above its maximum TTL. In polyamorous mode any number of peers may connect; a send goes to
/// the pipe named in the message's ``Message/pipe`` or, without one, to the first ready peer.
struct Pair1Machine: ProtocolMachine {
  static let identity = SPProtocol.pair1
  var maxTTL: Int
  let polyamorous: Bool
  private(set) var peers: [PipeID] = []

  /// The header of a message on its first hop, `00 00 00 01`, shared: a new header for each
  /// message would be an allocation each.
  static let firstHop = ByteBuffer(integer: UInt32(1), endianness: .big)

  init(maxTTL: Int = 8, polyamorous: Bool = false) {
    self.maxTTL = maxTTL
    self.polyamorous = polyamorous
  }

  mutating func pipeAdded(_ pipe: PipeID) -> SPError? {
    if !polyamorous, let peer = peers.first {
      return .badState("pair1 already has a peer (\(peer)); a second connection is refused")
    }
    peers.append(pipe)
    return nil
  }

  mutating func pipeRemoved(_ pipe: PipeID) -> [ProtocolEffect] {
    peers.removeAll { $0 == pipe }
    return []
  }

  mutating func route(_ message: Message, ready: [PipeID]) -> RouteDecision {
    let target: PipeID?
    if let wanted = message.pipe {
      guard peers.contains(wanted) else { return .discard }  // that peer is gone, as nng does
      target = ready.contains(wanted) ? wanted : nil
    } else {
      target = peers.first { ready.contains($0) }
    }
    guard let target else { return .wait }
    var outgoing = message
    // A message forwarded by a device keeps its count; a new one starts at 0. Either way, +1.
    let hops = Self.hopCount(of: message.header) ?? 0
    outgoing.header = hops == 0 ? Self.firstHop : ByteBuffer(integer: hops + 1, endianness: .big)
    outgoing.pipe = nil
    return .write(PipeWrite(pipe: target, message: outgoing))
  }

  mutating func inbound(_ message: Message, from pipe: PipeID) -> InboundDecision {
    var body = message.body
    guard let hops = body.readInteger(endianness: .big, as: UInt32.self) else {
      return .closePipe(
        .protocolError("a pair1 message of \(message.body.readableBytes) bytes has no hop count"))
    }
    guard hops <= 0xff else {
      return .closePipe(.protocolError("a pair1 hop count of \(hops) is above 255"))
    }
    guard hops <= maxTTL else { return .drop(.ttlExceeded) }
    // The header is the 4 bytes just read, as a slice of the same storage: no allocation.
    var delivered = Message(
      body: body, header: message.body.getSlice(at: message.body.readerIndex, length: 4)!)
    delivered.pipe = pipe
    return .deliver(delivered)
  }

  private static func hopCount(of header: ByteBuffer) -> UInt32? {
    header.readableBytes == 4 ? header.getInteger(at: header.readerIndex, endianness: .big) : nil
  }
}
