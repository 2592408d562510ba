import Testing

@testable import Starling

/// Every protocol over the virtual network, unchanged; and the scenarios it exists for: a
/// replier that crashes and restarts, pub/sub across a partition, push/pull losing a puller.
@Suite(.timeLimit(.minutes(5))) struct VirtualNetworkProtocolTests {
  /// Hosts `a`, `b` and `c`, each pair linked with a little latency and jitter, on the real clock.
  struct Mesh {
    let network: VirtualNetwork
    let a: VirtualHost
    let b: VirtualHost
    let c: VirtualHost

    init() throws {
      network = VirtualNetwork(seed: 3)
      a = try network.addHost("a")
      b = try network.addHost("b")
      c = try network.addHost("c")
      let conditions = VirtualLinkConditions(latency: .milliseconds(1), jitter: .milliseconds(1))
      try network.link(a, b, conditions)
      try network.link(a, c, conditions)
      try network.link(b, c, conditions)
    }
  }

  /// Waits for the next pipe to join (after the pipes open now have been reported).
  func nextAdded(
    _ events: inout AsyncStream<PipeEvent>.Iterator, isolation: isolated (any Actor)? = #isolation
  ) async throws {
    while let event = await events.next(isolation: isolation) {
      if case .added = event { return }
    }
    Issue.record("the socket closed before a pipe joined")
  }

  @Test func pair0AndPair1() async throws {
    let mesh = try Mesh()
    let listener = Pair0()
    let dialer = Pair0()
    defer { listener.close(); dialer.close() }
    mesh.b.place(listener)
    mesh.a.place(dialer)
    try await listener.listen("virtual://b/pair0")
    try await dialer.dial("virtual://b/pair0")
    try await dialer.send("ping")
    #expect(try await listener.receive().string == "ping")
    try await listener.send("pong")
    #expect(try await dialer.receive().string == "pong")

    let one = Pair1()
    let other = Pair1()
    defer { one.close(); other.close() }
    mesh.c.place(one)
    mesh.a.place(other)
    try await one.listen("virtual://c/pair1")
    try await other.dial("virtual://c/pair1")
    try await other.send("ping")
    #expect(try await one.receive().string == "ping")
    try await one.send("pong")
    #expect(try await other.receive().string == "pong")
  }

  @Test func reqRep() async throws {
    let mesh = try Mesh()
    let rep = Rep0()
    let req = Req0()
    defer { rep.close(); req.close() }
    mesh.b.place(rep)
    mesh.a.place(req)
    try await rep.listen("virtual://b/echo")
    try await req.dial("virtual://b/echo")
    async let reply = req.request("hello")
    let request = try await rep.nextRequest()
    try await request.reply(Message(string: request.message.string.uppercased()))
    #expect(try await reply.string == "HELLO")
  }

  @Test func pubSub() async throws {
    let mesh = try Mesh()
    let pub = Pub0()
    let news = Sub0()
    let all = Sub0()
    defer { pub.close(); news.close(); all.close() }
    mesh.a.place(pub)
    mesh.b.place(news)
    mesh.c.place(all)
    try await pub.listen("virtual://a/feed")
    news.subscribe("news.")
    all.subscribe("")
    try await news.dial("virtual://a/feed")
    try await all.dial("virtual://a/feed")
    try await pub.send("sport.1")
    try await pub.send("news.1")
    #expect(try await news.receive().string == "news.1")
    #expect(try await all.receive().string == "sport.1")
    #expect(try await all.receive().string == "news.1")
  }

  @Test func surveyorAndRespondents() async throws {
    let mesh = try Mesh()
    var options = SocketOptions()
    options.surveyTime = .seconds(240)  // a safety net: the test ends when both have answered
    let surveyor = Surveyor0(options: options)
    let first = Respondent0()
    let second = Respondent0()
    defer { surveyor.close(); first.close(); second.close() }
    mesh.a.place(surveyor)
    mesh.b.place(first)
    mesh.c.place(second)
    try await surveyor.listen("virtual://a/census")
    try await first.dial("virtual://a/census")
    try await second.dial("virtual://a/census")

    let responses = try await surveyor.survey("who is there?")
    for respondent in [first, second] {
      Task {
        let survey = try await respondent.nextSurvey()
        try await survey.reply(Message(string: respondent === first ? "b" : "c"))
      }
    }
    var answers: Set<String> = []
    for try await response in responses {
      answers.insert(response.string)
      if answers.count == 2 { break }
    }
    #expect(answers == ["b", "c"])
  }

  @Test func bus() async throws {
    let mesh = try Mesh()
    let hub = Bus0()
    let left = Bus0()
    let right = Bus0()
    defer { hub.close(); left.close(); right.close() }
    mesh.b.place(hub)
    mesh.a.place(left)
    mesh.c.place(right)
    try await hub.listen("virtual://b/bus")
    try await left.dial("virtual://b/bus")
    try await right.dial("virtual://b/bus")
    try await hub.send("to everyone")
    #expect(try await left.receive().string == "to everyone")
    #expect(try await right.receive().string == "to everyone")
    try await left.send("from the left")
    #expect(try await hub.receive().string == "from the left")
  }

  // MARK: Scenarios

  @Test func reqRepSurvivesTheRepliersCrashAndRestartAnsweredOnce() async throws {
    let clock = ManualClock()
    let network = VirtualNetwork(seed: 5, clock: clock)
    let client = try network.addHost("client")
    let server = try network.addHost("server")
    try network.link(client, server, VirtualLinkConditions(latency: .milliseconds(10)))
    let rep = Rep0()
    let req = Req0(options: .fastRedial)
    defer { rep.close(); req.close() }
    server.place(rep)
    client.place(req)
    try await rep.listen("virtual://server/work")
    try await req.dial("virtual://server/work")
    var events = req.pipeEvents().makeAsyncIterator()
    try await nextAdded(&events)

    let reply = Task { try await req.request("job") }
    await clock.waitForSleepers()  // the request is on its way
    clock.advance(by: .milliseconds(10))
    let first = try await rep.nextRequest()
    try await first.reply("lost answer")
    await clock.waitForSleepers()  // the reply is on its way
    server.crash()  // and is lost with the connection

    server.restart()
    try await nextAdded(&events)  // the requester redialed; it sends the request again
    await clock.waitForSleepers()
    clock.advance(by: .milliseconds(10))
    let second = try await rep.nextRequest()
    #expect(second.message.string == "job")
    try await second.reply("answer")
    await clock.waitForSleepers()
    clock.advance(by: .milliseconds(10))
    #expect(try await reply.value.string == "answer")
    #expect(req.statistics.messagesIn == 1, "answered once")
  }

  @Test func pubSubAcrossAPartitionLosesWhatWasSentDuringItAndResumesAfter() async throws {
    let mesh = try Mesh()
    let pub = Pub0()
    let cutOff = Sub0(options: .fastRedial)
    let connected = Sub0(options: .fastRedial)
    defer { pub.close(); cutOff.close(); connected.close() }
    mesh.a.place(pub)
    mesh.b.place(cutOff)
    mesh.c.place(connected)
    try await pub.listen("virtual://a/feed")
    for sub in [cutOff, connected] {
      sub.subscribe("")
      try await sub.dial("virtual://a/feed")
    }
    var events = cutOff.pipeEvents().makeAsyncIterator()
    try await nextAdded(&events)

    try mesh.network.cut(mesh.a, mesh.b)
    guard case .removed? = await events.next(isolation: #isolation) else {
      Issue.record("the partition closes the subscriber's pipe")
      return
    }
    try await pub.send("during")
    #expect(try await connected.receive().string == "during")

    try mesh.network.heal(mesh.a, mesh.b)
    try await nextAdded(&events)
    try await pub.send("after")
    #expect(try await connected.receive().string == "after")
    #expect(try await cutOff.receive().string == "after", "what was sent during the partition is lost")
  }

  @Test func pushLoadBalancesOverTheRemainingPullerWhenOneDies() async throws {
    let mesh = try Mesh()
    let push = Push0(options: .fastRedial)
    let survivor = Pull0()
    let doomed = Pull0()
    defer { push.close(); survivor.close(); doomed.close() }
    mesh.a.place(push)
    mesh.b.place(survivor)
    mesh.c.place(doomed)
    try await survivor.listen("virtual://b/jobs")
    try await doomed.listen("virtual://c/jobs")
    try await push.dial("virtual://b/jobs")
    try await push.dial("virtual://c/jobs")

    // Both pullers take a share while both live.
    let (arrivals, arrived) = AsyncStream.makeStream(of: String.self)
    let receivers = [(survivor, "b"), (doomed, "c")].map { pull, name in
      Task {
        while let message = try? await pull.receive() {
          arrived.yield(name + ":" + message.string)
        }
      }
    }
    for number in 0..<20 { try await push.send(Message(string: "\(number)")) }
    var shares: [String: Int] = [:]
    var iterator = arrivals.makeAsyncIterator()
    for _ in 0..<20 {
      guard let arrival = await iterator.next(isolation: #isolation) else { break }
      shares[String(arrival.prefix(1)), default: 0] += 1
    }
    #expect(shares["b", default: 0] > 0 && shares["c", default: 0] > 0, "both pullers took work: \(shares)")

    // c dies: the pusher loses that pipe, and every later message goes to b.
    var events = push.pipeEvents().makeAsyncIterator()
    var open = 0
    while open < 2, case .added? = await events.next(isolation: #isolation) { open += 1 }
    mesh.c.crash()
    guard case .removed(let pipe, _)? = await events.next(isolation: #isolation) else {
      Issue.record("the pusher loses its pipe to the crashed host")
      return
    }
    #expect(pipe.peer == "virtual://c")
    for number in 20..<40 { try await push.send(Message(string: "\(number)")) }
    for number in 20..<40 {
      #expect(await iterator.next(isolation: #isolation) == "b:\(number)")
    }
    for receiver in receivers { receiver.cancel() }
  }
}
