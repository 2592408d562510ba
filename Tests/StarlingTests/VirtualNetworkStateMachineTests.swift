import Testing

@testable import Starling

/// The virtual network's rules, driven directly with plain names and times: no sockets, no
/// clock.
@Suite struct VirtualNetworkStateMachineTests {
  typealias Machine = VirtualNetworkStateMachine

  /// A network of hosts `a`, `b` and `c`, `a` and `b` linked under `conditions`, and a listener
  /// `service` on `b`.
  func network(
    seed: UInt64 = 1, _ conditions: VirtualLinkConditions = VirtualLinkConditions()
  ) -> Machine {
    var machine = Machine(seed: seed, recordsEvents: true)
    for host in ["a", "b", "c"] { _ = machine.addHost(host) }
    _ = machine.link("a", "b", conditions)
    #expect(throws: Never.self) { try machine.listen(host: "b", name: "service").get() }
    return machine
  }

  func connect(_ machine: inout Machine, from: String = "a", now: Duration = .zero) throws -> UInt64 {
    try machine.connect(from: from, to: "b", name: "service", now: now).get().0
  }

  func arrival(_ sending: Machine.Sending) -> Duration? {
    if case .arrives(let time) = sending { return time }
    return nil
  }

  @Test func aMessageArrivesAfterTheLatency() throws {
    var machine = network(VirtualLinkConditions(latency: .milliseconds(10)))
    let id = try connect(&machine)
    let sending = machine.send(id, from: .dialer, bytes: 5, now: .milliseconds(3))
    #expect(sending == .arrives(.milliseconds(13)))
    let sending2 = machine.send(id, from: .listener, bytes: 5, now: .milliseconds(4))
    #expect(sending2 == .arrives(.milliseconds(14)))
  }

  @Test func bandwidthTransmitsOneMegabyteASecondAndQueuesWhatFollows() throws {
    var machine = network(VirtualLinkConditions(bytesPerSecond: 1_000_000))
    let id = try connect(&machine)
    let sending3 = machine.send(id, from: .dialer, bytes: 1_000_000, now: .zero)
    #expect(sending3 == .arrives(.seconds(1)))
    // The next message waits for the link: 500 000 bytes more end at 1.5 s.
    let sending4 = machine.send(id, from: .dialer, bytes: 500_000, now: .milliseconds(100))
    #expect(sending4 == .arrives(.milliseconds(1500)))
    // The other direction has a wire of its own.
    let sending5 = machine.send(id, from: .listener, bytes: 1_000, now: .milliseconds(100))
    #expect(sending5 == .arrives(.milliseconds(101)))
    // Another connection over the same link shares the wire.
    let other = try connect(&machine)
    let sending6 = machine.send(other, from: .dialer, bytes: 1_000, now: .milliseconds(200))
    #expect(sending6 == .arrives(.milliseconds(1501)))
  }

  @Test func transmissionTimeIsExact() {
    #expect(Machine.transmission(bytes: 1_000_000, rate: 1_000_000) == .seconds(1))
    #expect(Machine.transmission(bytes: 3, rate: 2) == .milliseconds(1500))
    #expect(Machine.transmission(bytes: 1, rate: 3) == .nanoseconds(333_333_333))
  }

  @Test func jitterStaysWithinItsBoundAndNeverReordersAConnection() throws {
    let conditions = VirtualLinkConditions(latency: .milliseconds(10), jitter: .milliseconds(5))
    var machine = network(conditions)
    let id = try connect(&machine)
    var last = Duration.zero
    var delays: Set<Duration> = []
    for step in 0..<200 {
      let now = Duration.microseconds(step * 100)
      let time = try #require(arrival(machine.send(id, from: .dialer, bytes: 10, now: now)))
      #expect(time >= last, "message \(step) overtook the one before it")
      #expect(time >= now + .milliseconds(10))
      #expect(time <= max(last, now + .milliseconds(15)))
      delays.insert(time - now)
      last = time
    }
    #expect(delays.count > 10, "jitter varies the delay")
  }

  @Test func theSameSeedGivesTheSameDelaysAndFaultsAndAnotherSeedOthers() throws {
    func run(seed: UInt64) throws -> [Machine.Sending] {
      let conditions = VirtualLinkConditions(
        latency: .milliseconds(1), jitter: .milliseconds(20), resetProbability: 0.05)
      var machine = network(seed: seed, conditions)
      var id = try connect(&machine)
      var outcomes: [Machine.Sending] = []
      for step in 0..<300 {
        let outcome = machine.send(id, from: .dialer, bytes: 100, now: .milliseconds(step))
        outcomes.append(outcome)
        if case .reset = outcome { id = try connect(&machine, now: .milliseconds(step)) }
      }
      return outcomes
    }
    let first = try run(seed: 42)
    #expect(try run(seed: 42) == first)
    #expect(try run(seed: 43) != first)
    let resets = first.filter { if case .reset = $0 { true } else { false } }.count
    #expect((3...40).contains(resets), "about 5% of 300 messages reset their connection: \(resets)")
  }

  @Test func aCutResetsTheLinksConnectionsAndRefusesDialsUntilHealed() throws {
    var machine = network()
    _ = machine.link("a", "c", VirtualLinkConditions())
    #expect(throws: Never.self) { try machine.listen(host: "c", name: "service").get() }
    let ab = try connect(&machine)
    let ac = try machine.connect(from: "a", to: "c", name: "service", now: .zero).get().0
    let local = try connect(&machine, from: "b")

    let reset = machine.cut("a", "b", now: .seconds(1))
    #expect(reset == [ab])
    let sending7 = machine.send(ab, from: .dialer, bytes: 1, now: .seconds(1))
    #expect(sending7 == .gone)
    #expect(machine.isOpen(ac) && machine.isOpen(local), "other links and b's own connections stay")
    let dial = machine.connect(from: "a", to: "b", name: "service", now: .seconds(1))
    #expect(dial.map(\.0) == .failure(.cut("a", "b")))
    let dial2 = machine.connect(from: "b", to: "b", name: "service", now: .seconds(1))
    #expect(dial2.map(\.0) != .failure(.cut("a", "b")))

    machine.heal("b", "a")
    #expect(throws: Never.self) { try connect(&machine, now: .seconds(2)) }
    #expect(
      machine.events.contains(
        .reset(connection: ab, reason: "the link between a and b was cut", at: .seconds(1))))
  }

  @Test func aCrashedHostLosesItsConnectionsAndRefusesDialsUntilItRestarts() throws {
    var machine = network()
    let id = try connect(&machine)
    let reset2 = machine.crash("b", now: .seconds(1))
    #expect(reset2 == [id])
    let reset3 = machine.crash("b", now: .seconds(1))
    #expect(reset3 == [], "crashing a crashed host does nothing")
    let dial3 = machine.connect(from: "a", to: "b", name: "service", now: .seconds(1))
    #expect(dial3.map(\.0) == .failure(.hostDown("b")))
    let dial4 = machine.connect(from: "b", to: "b", name: "service", now: .seconds(1))
    #expect(dial4.map(\.0) == .failure(.hostDown("b")))
    let listening = machine.listen(host: "b", name: "other")
    #expect(listening.map { _ in 0 } == .failure(.hostDown("b")))
    machine.restart("b")
    #expect(throws: Never.self) { try connect(&machine, now: .seconds(2)) }
  }

  @Test func dialsNeedHostsALinkAndAListener() {
    var machine = network()
    let dial5 = machine.connect(from: "a", to: "x", name: "service", now: .zero)
    #expect(dial5.map(\.0) == .failure(.unknownHost("x")))
    let dial6 = machine.connect(from: "a", to: "c", name: "service", now: .zero)
    #expect(dial6.map(\.0) == .failure(.noLink("a", "c")))
    let dial7 = machine.connect(from: "a", to: "b", name: "other", now: .zero)
    #expect(dial7.map(\.0) == .failure(.noListener))
    let listening2 = machine.listen(host: "b", name: "service")
    #expect(listening2.map { _ in 0 } == .failure(.inUse))
    let listening3 = machine.listen(host: "x", name: "service")
    #expect(listening3.map { _ in 0 } == .failure(.unknownHost("x")))
    let addedAgain = machine.addHost("a")
    #expect(!addedAgain)
    let linkedToNowhere = machine.link("a", "x", VirtualLinkConditions())
    #expect(!linkedToNowhere)
  }

  @Test func aCloseArrivesAfterTheLastMessageAndNoSoonerThanTheLatency() throws {
    var machine = network(VirtualLinkConditions(latency: .milliseconds(10), bytesPerSecond: 1_000))
    let id = try connect(&machine)
    #expect(machine.closeArrival(id, from: .dialer, now: .zero) == .milliseconds(10))
    let sending8 = machine.send(id, from: .dialer, bytes: 1_000, now: .zero)
    #expect(sending8 == .arrives(.milliseconds(1010)))
    #expect(machine.closeArrival(id, from: .dialer, now: .milliseconds(1)) == .milliseconds(1010))
  }

  @Test func linkConditionsNameWhatIsWrongWithThem() {
    #expect(VirtualLinkConditions().problem == nil)
    #expect(VirtualLinkConditions(latency: .milliseconds(-1)).problem?.contains("latency") == true)
    #expect(VirtualLinkConditions(jitter: .milliseconds(-1)).problem?.contains("jitter") == true)
    #expect(VirtualLinkConditions(bytesPerSecond: 0).problem?.contains("bandwidth") == true)
    #expect(VirtualLinkConditions(resetProbability: 1.5).problem?.contains("probability") == true)
  }
}
