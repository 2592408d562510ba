import Testing

@testable import Starling

/// The virtual network under sockets: latency and bandwidth on a clock the test moves, cuts and
/// crashes, seeded jitter, and clear errors for bad input.
@Suite(.timeLimit(.minutes(5))) struct VirtualNetworkTests {
  /// Hosts `a` and `b` joined by a link under `conditions`, on `clock`.
  struct Testbed {
    let network: VirtualNetwork
    let a: VirtualHost
    let b: VirtualHost

    init<C: Clock>(
      seed: UInt64 = 1, clock: C, _ conditions: VirtualLinkConditions = VirtualLinkConditions()
    ) throws where C.Duration == Duration {
      network = VirtualNetwork(seed: seed, clock: clock, recordsEvents: true)
      a = try network.addHost("a")
      b = try network.addHost("b")
      try network.link(a, b, conditions)
    }

    /// A `Pull0` on `b` listening at `virtual://b/jobs` and a `Push0` on `a` dialing it.
    func pushPull(_ options: SocketOptions = .fastRedial) async throws -> (Push0, Pull0) {
      let pull = Pull0()
      b.place(pull)
      try await pull.listen("virtual://b/jobs")
      let push = Push0(options: options)
      a.place(push)
      try await push.dial("virtual://b/jobs")
      return (push, pull)
    }
  }

  /// The next pipe event, failing the test if the sequence ends.
  func next(
    _ events: inout AsyncStream<PipeEvent>.Iterator, isolation: isolated (any Actor)? = #isolation
  ) async throws -> PipeEvent {
    try #require(await events.next(isolation: isolation))
  }

  @Test func aMessageArrivesOnceTheClockPassesTheLatencyAndNotBefore() async throws {
    let clock = ManualClock()
    let testbed = try Testbed(clock: clock, VirtualLinkConditions(latency: .milliseconds(10)))
    let (push, pull) = try await testbed.pushPull()
    defer { push.close(); pull.close() }

    try await push.send("hello")
    await clock.waitForSleepers()  // on its way
    clock.advance(by: .milliseconds(9))
    #expect(pull.statistics.messagesIn == 0, "arrived before its latency")
    clock.advance(by: .milliseconds(1))
    #expect(try await pull.receive().string == "hello")
    #expect(testbed.network.now == .milliseconds(10))
  }

  @Test func aMegabyteTakesASecondOnAMegabyteASecondLink() async throws {
    let clock = ManualClock()
    let testbed = try Testbed(clock: clock, VirtualLinkConditions(bytesPerSecond: 1_000_000))
    let (push, pull) = try await testbed.pushPull()
    defer { push.close(); pull.close() }

    try await push.send(Message([UInt8](repeating: 7, count: 1_000_000)))
    await clock.waitForSleepers()
    clock.advance(by: .milliseconds(999))
    #expect(pull.statistics.messagesIn == 0, "a megabyte arrived in under a second")
    clock.advance(by: .milliseconds(1))
    #expect(try await pull.receive().count == 1_000_000)
    #expect(
      testbed.network.events.last
        == .message(connection: 2, from: "a", to: "b", bytes: 1_000_000, sent: .zero, arrives: .seconds(1)))
  }

  @Test func messagesOfAConnectionArriveInOrderWhateverTheirJitter() async throws {
    let clock = ManualClock()
    let conditions = VirtualLinkConditions(latency: .milliseconds(5), jitter: .milliseconds(20))
    let testbed = try Testbed(clock: clock, conditions)
    let (push, pull) = try await testbed.pushPull()
    defer { push.close(); pull.close() }

    for number in 0..<50 { try await push.send(Message(string: "\(number)")) }
    clock.advance(by: .seconds(1))
    for number in 0..<50 { #expect(try await pull.receive().string == "\(number)") }
  }

  @Test func theSameSeedGivesTheSameDeliveryTimesAndAnotherSeedOthers() async throws {
    func run(seed: UInt64) async throws -> [VirtualNetworkEvent] {
      let clock = ManualClock()
      let conditions = VirtualLinkConditions(
        latency: .milliseconds(5), jitter: .milliseconds(20), bytesPerSecond: 100_000)
      let testbed = try Testbed(seed: seed, clock: clock, conditions)
      let (push, pull) = try await testbed.pushPull()
      defer { push.close(); pull.close() }
      for number in 0..<20 {
        try await push.send(Message(string: "message \(number)"))
        clock.advance(by: .milliseconds(3))
      }
      clock.advance(by: .seconds(1))
      for _ in 0..<20 { _ = try await pull.receive() }
      return testbed.network.events
    }
    let first = try await run(seed: 7)
    #expect(first.count == 21, "a connection and 20 messages: \(first)")
    #expect(try await run(seed: 7) == first)
    #expect(try await run(seed: 8) != first)
  }

  @Test func aCutResetsPipesFailsDialsAndAfterHealingTheDialerReconnects() async throws {
    let testbed = try Testbed(clock: ContinuousClock())
    let (push, pull) = try await testbed.pushPull()
    defer { push.close(); pull.close() }
    var pushEvents = push.pipeEvents().makeAsyncIterator()
    var pullEvents = pull.pipeEvents().makeAsyncIterator()
    guard case .added = try await next(&pushEvents), case .added = try await next(&pullEvents) else {
      Issue.record("both sockets start with their pipe")
      return
    }

    try testbed.network.cut(testbed.a, testbed.b)
    let reset = SPError.connectionFailed("connection reset: the link between a and b was cut")
    guard case .removed(_, let pushReason) = try await next(&pushEvents),
      case .removed(_, let pullReason) = try await next(&pullEvents)
    else {
      Issue.record("both ends lose their pipe")
      return
    }
    #expect(pushReason == reset)
    #expect(pullReason == reset)

    let other = Push0()
    defer { other.close() }
    testbed.a.place(other)
    await #expect(throws: SPError.connectionFailed("virtual://b/jobs: the link between a and b is cut")) {
      try await other.dial("virtual://b/jobs")
    }

    try testbed.network.heal(testbed.a, testbed.b)
    guard case .added = try await next(&pushEvents) else {
      Issue.record("the dialer reconnects after the heal")
      return
    }
    try await push.send("after the heal")
    #expect(try await pull.receive().string == "after the heal")
    #expect(push.statistics.reconnects >= 1)
  }

  @Test func aCrashedHostsPeersLoseTheirPipesAndReconnectAfterItsRestart() async throws {
    let testbed = try Testbed(clock: ContinuousClock())
    let (push, pull) = try await testbed.pushPull()
    defer { push.close(); pull.close() }
    var events = push.pipeEvents().makeAsyncIterator()
    guard case .added = try await next(&events) else {
      Issue.record("the pipe is open")
      return
    }

    testbed.b.crash()
    #expect(!testbed.b.isUp)
    guard case .removed(_, let reason) = try await next(&events) else {
      Issue.record("the crash closes the pipe")
      return
    }
    #expect(reason == .connectionFailed("connection reset: host b crashed"))
    let other = Push0()
    defer { other.close() }
    testbed.a.place(other)
    await #expect(throws: SPError.connectionFailed("virtual://b/jobs: host b is down")) {
      try await other.dial("virtual://b/jobs")
    }

    testbed.b.restart()
    guard case .added = try await next(&events) else {
      Issue.record("the dialer reconnects after the restart")
      return
    }
    try await push.send("after the restart")
    #expect(try await pull.receive().string == "after the restart")
  }

  @Test func aFaultyLinkResetsTheConnectionItDrewAFaultFor() async throws {
    let testbed = try Testbed(clock: ContinuousClock(), VirtualLinkConditions(resetProbability: 1))
    let (push, pull) = try await testbed.pushPull()
    defer { push.close(); pull.close() }
    var events = pull.pipeEvents().makeAsyncIterator()
    guard case .added = try await next(&events) else {
      Issue.record("the pipe is open")
      return
    }
    try await push.send("lost")
    guard case .removed(_, let reason) = try await next(&events) else {
      Issue.record("the fault closes the pipe")
      return
    }
    #expect(reason == .connectionFailed("connection reset: the link between a and b reset the connection"))
  }

  @Test func anOrderlyCloseDeliversWhatWasSentFirst() async throws {
    let clock = ManualClock()
    let testbed = try Testbed(clock: clock, VirtualLinkConditions(latency: .milliseconds(10)))
    let pair = Pair0()
    let peer = Pair0()
    defer { peer.close() }
    testbed.b.place(peer)
    testbed.a.place(pair)
    try await peer.listen("virtual://b/pair")
    try await pair.dial("virtual://b/pair")
    var events = peer.pipeEvents().makeAsyncIterator()
    guard case .added = try await next(&events) else {
      Issue.record("the pipe is open")
      return
    }

    try await pair.send("last words")
    pair.close()
    clock.advance(by: .milliseconds(10))
    #expect(try await peer.receive().string == "last words")
    guard case .removed(_, let reason) = try await next(&events) else {
      Issue.record("the close reaches the peer")
      return
    }
    #expect(reason == nil)
  }

  @Test func aFullReceiveQueueHoldsMessagesBackAndTheSenderWaits() async throws {
    let testbed = try Testbed(clock: ContinuousClock())
    var options = SocketOptions.fastRedial
    options.sendWindow = 1_000
    options.sendTimeout = .milliseconds(200)
    let pull = Pull0(
      options: {
        var options = SocketOptions()
        options.receiveBufferSize = 2
        return options
      }())
    defer { pull.close() }
    testbed.b.place(pull)
    try await pull.listen("virtual://b/jobs")
    let push = Push0(options: options)
    defer { push.close() }
    testbed.a.place(push)
    try await push.dial("virtual://b/jobs")

    let body = [UInt8](repeating: 1, count: 100)
    var sent = 0
    do {
      while sent < 1_000 {
        try await push.send(Message(body))
        sent += 1
      }
    } catch let error as SPError {
      #expect(error == .timedOut)
    }
    #expect(sent < 1_000, "the sender waited once the queue and the window were full")
    for _ in 0..<sent { _ = try await pull.receive() }
    try await push.send("more")
    #expect(try await pull.receive().string == "more")
  }

  // MARK: The transport

  @Test func aHostsTransportInARegistryPutsSocketsOnTheHostAndPlacingKeepsTheRegistry() async throws {
    let testbed = try Testbed(clock: ContinuousClock())
    // A registry of the test's own, with b's transport: sockets made with it are on b.
    let registry = TransportRegistry(transports: TransportRegistry.builtIn + [testbed.b.transport])
    registry.register(RelayTransport(scheme: "relay", inner: "inproc"))
    var options = SocketOptions()
    options.transports = registry
    let pull = Pull0(options: options)
    defer { pull.close() }
    let listener = try await pull.listen("virtual://b/jobs")
    #expect(listener.address.url == "virtual://b/jobs")

    // Placing on a copies the push's registry: its own transports stay, b's gives way to a's,
    // and neither its old registry nor the standard one changes.
    let push = Push0(options: options)
    defer { push.close() }
    testbed.a.place(push)
    #expect(push.options.transports !== registry)
    #expect(push.options.transports.schemes == registry.schemes)
    #expect(push.options.transports.eventLoopGroup === registry.eventLoopGroup)
    try await push.dial("virtual://b/jobs")
    try await push.send("from a")
    #expect(try await pull.receive().string == "from a")
    #expect(
      testbed.network.events.contains { event in
        if case .connected(_, let from, let to, _) = event { return from == "a" && to == "b" }
        return false
      }, "the dial left from a")
    let stray = Pull0()  // on the standard registry: on no host
    defer { stray.close() }
    await #expect(
      throws: SPError.badState(
        "virtual://a/jobs: the socket is on no virtual host; put it on one with VirtualHost.place(_:)")
    ) {
      try await stray.listen("virtual://a/jobs")
    }
    try await push.listen("virtual://a/own")  // on a now, not b
    try await push.listen("relay://vnet-\(UInt64.random(in: 0 ... .max))")  // the copy kept relay
  }

  // MARK: Bad input

  @Test func badAddressesAndMisplacedSocketsGetClearErrors() async throws {
    let testbed = try Testbed(clock: ContinuousClock())
    let pull = Pull0()
    defer { pull.close() }
    await #expect(throws: SPError.self) { try await pull.listen("virtual://b/jobs") }
    do {
      try await pull.listen("virtual://b/jobs")
    } catch let error as SPError {
      #expect(error.description.contains("VirtualHost.place"), "names the fix: \(error)")
    }
    testbed.b.place(pull)
    await #expect(
      throws: SPError.invalidAddress(
        "virtual://b", reason: "a virtual address is virtual://HOST/NAME; the name is missing")
    ) {
      try await pull.listen("virtual://b")
    }
    await #expect(throws: SPError.invalidAddress("virtual:///jobs", reason: "a virtual address needs a host"))
    {
      try await pull.listen("virtual:///jobs")
    }
    await #expect(
      throws: SPError.invalidAddress("virtual://b/", reason: "a virtual address needs a name after the host")
    ) {
      try await pull.listen("virtual://b/")
    }
    await #expect(
      throws: SPError.invalidAddress(
        "virtual://a/jobs", reason: "the socket is on host b: it can listen at virtual://b/… only")
    ) {
      try await pull.listen("virtual://a/jobs")
    }
    try await pull.listen("virtual://b/jobs")
    let second = Pull0()
    defer { second.close() }
    testbed.b.place(second)
    await #expect(throws: SPError.addressInUse("virtual://b/jobs")) {
      try await second.listen("virtual://b/jobs")
    }

    let push = Push0()
    defer { push.close() }
    testbed.a.place(push)
    await #expect(throws: SPError.connectionRefused("virtual://b/other")) {
      try await push.dial("virtual://b/other")
    }
    await #expect(throws: SPError.connectionFailed("virtual://x/jobs: the network has no host 'x'")) {
      try await push.dial("virtual://x/jobs")
    }
    let req = Req0()
    defer { req.close() }
    testbed.a.place(req)
    await #expect(
      throws: SPError.peerMismatch(expected: SPProtocol.rep0.number, actual: SPProtocol.pull0.number)
    ) {
      try await req.dial("virtual://b/jobs")
    }
    #expect(pull.statistics.pipesOpen == 0, "refused dials leave no pipe behind")
  }

  @Test func badHostsAndLinksGetClearErrors() throws {
    let network = VirtualNetwork()
    let a = try network.addHost("a")
    let b = try network.addHost("b")
    #expect(throws: SPError.badState("the virtual network has a host named 'a' already")) {
      try network.addHost("a")
    }
    for name in ["", "a/b", "a:1", "a b"] {
      #expect(throws: SPError.self, "host name '\(name)'") { try network.addHost(name) }
    }
    #expect(throws: SPError.badState("no link joins a and b")) { try network.cut(a, b) }
    #expect(throws: SPError.badState("link a-b: the latency -1.0 seconds is negative")) {
      try network.link(a, b, VirtualLinkConditions(latency: .seconds(-1)))
    }
    let elsewhere = try VirtualNetwork().addHost("c")
    #expect(throws: SPError.badState("host c is on another virtual network")) {
      try network.link(a, elsewhere)
    }
    #expect(network.host("a") == a)
    #expect(network.host("z") == nil)
  }
}
