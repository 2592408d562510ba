import Testing

@testable import Starling

/// The protocol state machines, driven directly: pipes are only numbers here.
@Suite(.timeLimit(.minutes(5))) struct ProtocolMachineTests {
  let a = PipeID(rawValue: 1)
  let b = PipeID(rawValue: 2)
  /// The instant requests are made at: the machine reads no clock of its own.
  let t0 = AnyClock.Instant(offset: .zero)

  func writes(_ decision: RouteDecision) -> [PipeWrite] {
    if case .write(let write) = decision { return [write] }
    return []
  }

  @Test func pushRoundRobinsOverReadyPipesAndWaitsWithNone() {
    var push = Push0Machine()
    #expect(push.route("x", ready: []) == .wait)
    let targets = (0..<4).map { _ in writes(push.route("x", ready: [a, b])).map(\.pipe) }
    #expect(targets.flatMap { $0 }.sorted() == [a, a, b, b])
    #expect(Set(writes(push.route("x", ready: [b])).map(\.pipe)) == [b])
    guard case .closePipe = push.inbound("x", from: a) else {
      Issue.record("a push socket must not accept messages")
      return
    }
  }

  @Test func pullDeliversAndCannotSend() {
    var pull = Pull0Machine()
    var delivered = Message(string: "x")
    delivered.pipe = a
    #expect(pull.inbound("x", from: a) == .deliver(delivered))
    guard case .fail(.badState) = pull.route("x", ready: [a]) else {
      Issue.record("a pull socket must not send")
      return
    }
  }

  @Test func pair0RefusesASecondPeerUntilTheFirstLeaves() {
    var pair = Pair0Machine()
    #expect(pair.pipeAdded(a) == nil)
    #expect(pair.pipeAdded(b) != nil)
    #expect(writes(pair.route("x", ready: [a])).map(\.pipe) == [a])
    #expect(pair.route("x", ready: []) == .wait)
    _ = pair.pipeRemoved(a)
    #expect(pair.pipeAdded(b) == nil)
    var delivered = Message(string: "y")
    delivered.pipe = b
    #expect(pair.inbound("y", from: b) == .deliver(delivered))
  }

  @Test func pair1AddsOneHopAndChecksTheCount() {
    var pair = Pair1Machine()
    _ = pair.pipeAdded(a)
    let sent = writes(pair.route("hi", ready: [a]))
    #expect(sent.map { Array($0.message.header.readableBytesView) } == [[0, 0, 0, 1]])

    let good = pair.inbound(Message([0, 0, 0, 3] + Array("ok".utf8)), from: a)
    guard case .deliver(let message) = good else {
      Issue.record("\(good)")
      return
    }
    #expect(message.string == "ok" && message.pipe == a)
    #expect(pair.inbound(Message([0, 0, 0, 9, 1]), from: a) == .drop(.ttlExceeded))
    guard case .closePipe = pair.inbound(Message([0, 0, 1, 0]), from: a),
      case .closePipe = pair.inbound(Message([0, 1]), from: a)
    else {
      Issue.record("a count above 255 or a missing count must close the pipe")
      return
    }
  }

  @Test func polyamorousPair1SendsToTheNamedPipe() {
    var pair = Pair1Machine(polyamorous: true)
    _ = pair.pipeAdded(a)
    #expect(pair.pipeAdded(b) == nil)
    var message = Message(string: "to b")
    message.pipe = b
    #expect(writes(pair.route(message, ready: [a, b])).map(\.pipe) == [b])
    message.pipe = PipeID(rawValue: 99)
    #expect(pair.route(message, ready: [a, b]) == .discard)
  }

  @Test func reqIDsHaveTheTopBitAndGoUpByOne() {
    var req = Req0Machine(firstID: 0x7fff_ffff)
    let first = req.makeRequest("a", now: t0)
    let second = req.makeRequest("b", now: t0)
    #expect(first.id == 0xffff_ffff)
    #expect(second.id == 0x8000_0000, "wraps within the top-bit range")
    #expect(Array(first.message.header.readableBytesView) == [0xff, 0xff, 0xff, 0xff])
  }

  @Test func reqMatchesRepliesAndDropsStaleOnes() {
    var req = Req0Machine(firstID: 5)
    let request = req.makeRequest("q", now: t0)
    #expect(writes(req.route(request.message, ready: [a])).map(\.pipe) == [a])
    let reply = Message([0x80, 0, 0, 5] + Array("r".utf8))
    guard case .deliverReply(let id, let message) = req.inbound(reply, from: a) else {
      Issue.record("the reply was not matched")
      return
    }
    #expect(id == request.id && message.string == "r")
    #expect(req.inbound(reply, from: a) == .drop(.stale), "a second reply is stale")
    guard case .closePipe = req.inbound(Message([1, 2]), from: a) else {
      Issue.record("a reply shorter than an ID must close the pipe")
      return
    }
  }

  @Test func reqResendsAtOnceWhenItsPipeIsLost() {
    var req = Req0Machine(firstID: 1)
    let request = req.makeRequest("q", now: t0)
    _ = req.route(request.message, ready: [a])
    #expect(req.pipeRemoved(b).isEmpty)
    #expect(req.pipeRemoved(a) == [.resend(request.message)])
    #expect(req.resend(request.id, now: t0) == nil, "not sent anywhere now")
    _ = req.route(request.message, ready: [b])
    #expect(req.resend(request.id, now: t0) == request.message, "byte for byte the same")
    req.finishRequest(request.id)
    #expect(req.route(request.message, ready: [a]) == .discard, "a finished request is not sent")
  }

  @Test func reqResendsWhenItsResendTimeHasPassedOnTheClockItIsGiven() {
    var req = Req0Machine(firstID: 1)
    let request = req.makeRequest("q", resendTime: .seconds(60), now: t0)
    #expect(req.dueForResend(now: t0.advanced(by: .seconds(60))).isEmpty, "not sent yet: nothing to resend")
    _ = req.route(request.message, ready: [a])
    #expect(req.dueForResend(now: t0.advanced(by: .seconds(59))).isEmpty)
    #expect(req.dueForResend(now: t0.advanced(by: .seconds(60))) == [request.message])
    _ = req.route(request.message, ready: [a])
    #expect(req.dueForResend(now: t0.advanced(by: .seconds(119))).isEmpty, "due again 60 s after the resend")
    #expect(req.dueForResend(now: t0.advanced(by: .seconds(120))) == [request.message])
  }

  @Test func repSplitsTheBacktraceAndRepliesOnTheSamePipe() {
    var rep = Rep0Machine()
    _ = rep.pipeAdded(a)
    let request = Message([0, 0, 0, 7, 0x80, 0, 0, 1] + Array("body".utf8))
    guard case .deliver(let delivered) = rep.inbound(request, from: a) else {
      Issue.record("the request was not delivered")
      return
    }
    #expect(Array(delivered.header.readableBytesView) == [0, 0, 0, 7, 0x80, 0, 0, 1])
    #expect(delivered.string == "body" && delivered.pipe == a)
    var reply = Message(string: "answer")
    reply.header = delivered.header
    reply.pipe = a
    #expect(writes(rep.route(reply, ready: [a])).map(\.pipe) == [a])
    reply.pipe = b
    #expect(rep.route(reply, ready: [a]) == .discard, "the requester's pipe is gone")
    guard case .fail(.badState) = rep.route("no backtrace", ready: [a]) else {
      Issue.record("a reply without a backtrace must fail")
      return
    }
  }

  @Test func repHopLimits() {
    var rep = Rep0Machine(maxTTL: 2)
    #expect(rep.inbound(Message([0, 0, 0, 1, 0, 0, 0, 2, 0x80, 0, 0, 1]), from: a) == .drop(.ttlExceeded))
    guard case .deliver = rep.inbound(Message([0, 0, 0, 1, 0x80, 0, 0, 1]), from: a) else {
      Issue.record("two hops are within a TTL of 2")
      return
    }
  }

  @Test func pubFansOutAndCountsPipesThatCannotTakeIt() {
    var pub = Pub0Machine()
    #expect(pub.route("x", ready: []) == .discard, "no subscribers: nowhere to go")
    _ = pub.pipeAdded(a)
    _ = pub.pipeAdded(b)
    guard case .fanOut(let writes, let dropped) = pub.route("x", ready: [b]) else {
      Issue.record("pub must fan out")
      return
    }
    #expect(writes.map(\.pipe) == [b] && dropped == 1)
  }

  @Test func subFiltersByPrefix() {
    var sub = Sub0Machine()
    #expect(sub.inbound("news", from: a) == .drop(.unsubscribed), "no subscription, nothing")
    sub.subscribe(Array("ne".utf8))
    guard case .deliver = sub.inbound("news", from: a) else {
      Issue.record("a prefix match must be delivered")
      return
    }
    #expect(sub.inbound("n", from: a) == .drop(.unsubscribed), "shorter than the topic")
    let removed = sub.unsubscribe(Array("ne".utf8))
    let removedAgain = sub.unsubscribe(Array("ne".utf8))
    #expect(removed && !removedAgain)
    sub.subscribe([])
    guard case .deliver = sub.inbound("anything", from: a) else {
      Issue.record("the empty topic matches everything")
      return
    }
  }

  @Test func busNeverSendsBackToTheOrigin() {
    var bus = Bus0Machine()
    _ = bus.pipeAdded(a)
    _ = bus.pipeAdded(b)
    var forwarded = Message(string: "x")
    forwarded.pipe = a
    guard case .fanOut(let writes, let dropped) = bus.route(forwarded, ready: [a, b]) else {
      Issue.record("bus must fan out")
      return
    }
    #expect(writes.map(\.pipe) == [b] && dropped == 0)
    #expect(writes.allSatisfy { $0.message.pipe == nil })
  }
}
