import NIOCore

/// `req0`: requests carry a 32-bit request ID with the top bit set; replies are matched to it.
///
/// IDs start at a random value per socket and go up by one per request. The machine keeps the
/// outstanding requests and which pipe each went out on, so that a lost pipe makes its requests
/// go out again at once, and a reply nobody waits for is dropped as stale. It reads no clock:
/// its caller passes the socket clock's `now` in.
struct Req0Machine: ProtocolMachine {
  static let identity = SPProtocol.req0
  private var nextID: UInt32
  private var cursor = 0
  /// Outstanding requests: the message as sent (header = ID), the pipe it went out on, and
  /// when it is due to go out again.
  private(set) var outstanding: [UInt32: Outstanding] = [:]

  /// One request waiting for its reply.
  struct Outstanding {
    let message: Message
    var pipe: PipeID?
    /// How long the request waits for its reply before it goes out again.
    let resendTime: Duration
    var resendAt: AnyClock.Instant
  }

  init(firstID: UInt32 = .random(in: 0...0x7fff_ffff)) {
    nextID = firstID | 0x8000_0000
  }

  /// Starts a request: gives it an ID and records it as outstanding (not yet sent), to go out
  /// again every `resendTime` until it is answered.
  mutating func makeRequest(
    _ body: Message, resendTime: Duration = .seconds(60), now: AnyClock.Instant
  ) -> (id: UInt32, message: Message) {
    let id = nextID
    nextID = (nextID &+ 1) | 0x8000_0000
    var message = Message(body: body.body, header: ByteBuffer(integer: id, endianness: .big))
    message.pipe = nil
    outstanding[id] = Outstanding(
      message: message, pipe: nil, resendTime: resendTime, resendAt: now.advanced(by: resendTime))
    return (id, message)
  }

  /// The shortest resend time among the outstanding requests.
  var shortestResendTime: Duration? {
    outstanding.values.lazy.map(\.resendTime).min()
  }

  /// Forgets a request (answered, cancelled or superseded): later replies to it are stale.
  mutating func finishRequest(_ id: UInt32) {
    outstanding[id] = nil
  }

  /// A request that went out and is still unanswered, to send again (its resend time passed).
  mutating func resend(_ id: UInt32, now: AnyClock.Instant) -> Message? {
    guard let request = outstanding[id], request.pipe != nil else { return nil }
    outstanding[id]?.pipe = nil
    outstanding[id]?.resendAt = now.advanced(by: request.resendTime)
    return request.message
  }

  /// The requests whose resend time has passed, to send again, byte for byte.
  mutating func dueForResend(now: AnyClock.Instant) -> [Message] {
    let due = outstanding.filter { $0.value.pipe != nil && $0.value.resendAt <= now }.keys
    return due.compactMap { resend($0, now: now) }
  }

  mutating func pipeAdded(_ pipe: PipeID) -> SPError? { nil }

  /// Requests that went out on a lost pipe go out again at once, byte for byte.
  mutating func pipeRemoved(_ pipe: PipeID) -> [ProtocolEffect] {
    var resend: [ProtocolEffect] = []
    for (id, request) in outstanding where request.pipe == pipe {
      outstanding[id]?.pipe = nil
      resend.append(.resend(request.message))
    }
    return resend
  }

  mutating func route(_ message: Message, ready: [PipeID]) -> RouteDecision {
    guard let id = Self.requestID(of: message.header), outstanding[id] != nil else {
      return .discard  // cancelled while it waited for a pipe
    }
    guard !ready.isEmpty else { return .wait }
    cursor = cursor &+ 1
    let pipe = ready[cursor % ready.count]
    outstanding[id]?.pipe = pipe
    return .write(PipeWrite(pipe: pipe, message: message))
  }

  mutating func inbound(_ message: Message, from pipe: PipeID) -> InboundDecision {
    var body = message.body
    guard let id = body.readInteger(endianness: .big, as: UInt32.self) else {
      return .closePipe(
        .protocolError("a reply of \(message.body.readableBytes) bytes is shorter than a request ID"))
    }
    guard outstanding.removeValue(forKey: id) != nil else { return .drop(.stale) }
    // The header is the 4 bytes just read, as a slice of the same storage: no allocation.
    var reply = Message(body: body, header: message.body.getSlice(at: message.body.readerIndex, length: 4)!)
    reply.pipe = pipe
    return .deliverReply(id: id, reply)
  }

  /// The request ID in a header built by ``makeRequest(_:)``.
  static func requestID(of header: ByteBuffer) -> UInt32? {
    header.readableBytes == 4 ? header.getInteger(at: header.readerIndex, endianness: .big) : nil
  }
}

/// `rep0`: a request's header is its backtrace, which the reply carries back on the same pipe.
///
/// The backtrace is read off the front of the body, one 32-bit word at a time, up to and
/// including the first word with its top bit set (the request ID). Words before it are pipe IDs
/// pushed by devices. A body that ends before the request ID closes the pipe; more hops than
/// the maximum TTL drop the request.
struct Rep0Machine: ProtocolMachine {
  static let identity = SPProtocol.rep0
  var maxTTL: Int
  private var pipes: Set<PipeID> = []

  init(maxTTL: Int = 8) {
    self.maxTTL = maxTTL
  }

  mutating func pipeAdded(_ pipe: PipeID) -> SPError? {
    pipes.insert(pipe)
    return nil
  }

  mutating func pipeRemoved(_ pipe: PipeID) -> [ProtocolEffect] {
    pipes.remove(pipe)
    return []
  }

  /// A reply goes back on its request's pipe; if that pipe is gone, it is discarded (the
  /// requester will resend elsewhere).
  mutating func route(_ message: Message, ready: [PipeID]) -> RouteDecision {
    guard let pipe = message.pipe, message.header.readableBytes >= 4 else {
      return .fail(.badState("a reply needs the backtrace of the request it answers"))
    }
    guard pipes.contains(pipe) else { return .discard }
    guard ready.contains(pipe) else { return .wait }
    var outgoing = message
    outgoing.pipe = nil
    return .write(PipeWrite(pipe: pipe, message: outgoing))
  }

  mutating func inbound(_ message: Message, from pipe: PipeID) -> InboundDecision {
    Self.splitBacktrace(of: message, from: pipe, maxTTL: maxTTL)
  }

  /// Moves the backtrace off the front of a request's body into its header. Shared by rep0
  /// and respondent0.
  static func splitBacktrace(of message: Message, from pipe: PipeID, maxTTL: Int) -> InboundDecision {
    var rest = message.body
    var hops = 0
    while true {
      guard let word = rest.readInteger(endianness: .big, as: UInt32.self) else {
        return .closePipe(.protocolError("a request's backtrace ends without a request ID"))
      }
      hops += 1
      if hops > maxTTL { return .drop(.ttlExceeded) }
      if word & 0x8000_0000 != 0 { break }
    }
    var request = Message(
      body: rest, header: message.body.getSlice(at: message.body.readerIndex, length: hops * 4)!)
    request.pipe = pipe
    return .deliver(request)
  }
}
