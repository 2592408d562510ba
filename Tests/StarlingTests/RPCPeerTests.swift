import Foundation
import Testing

import struct StarlingChannels.Lock

@testable import Starling

/// Request/reply both ways over one pair1 link: two ``RPCPeer``s over inproc and tcp, and a raw
/// pair1 socket speaking the frame by hand.
@Suite(.timeLimit(.minutes(5))) struct RPCPeerTests {
  enum Transport: String, CaseIterable, Sendable { case inproc, tcp, virtual }

  struct AddArguments: Codable, Sendable { var a: Int; var b: Int }

  struct Overdrawn: Error, CustomStringConvertible {
    var balance: Int
    var description: String { "balance \(balance) is too low" }
  }

  /// Runs `body` with two running peers joined on `transport`; closes both and checks that
  /// both `run()`s return.
  func withPeers(
    _ transport: Transport = .inproc, name: String = #function,
    register: (_ left: RPCPeer, _ right: RPCPeer) throws -> Void,
    _ body: (_ left: RPCPeer, _ right: RPCPeer) async throws -> Void
  ) async throws {
    let listening = Pair1()
    let dialing = Pair1()
    let url: String
    switch transport {
    case .inproc: url = "inproc://rpc-peer-\(name)-\(UUID().uuidString)"
    case .tcp: url = "tcp://127.0.0.1:0"
    case .virtual:
      // Two hosts a link with latency and jitter apart, on the real clock.
      let network = VirtualNetwork(seed: 11)
      let (a, b) = (try network.addHost("a"), try network.addHost("b"))
      try network.link(a, b, VirtualLinkConditions(latency: .milliseconds(1), jitter: .milliseconds(1)))
      b.place(listening)
      a.place(dialing)
      url = "virtual://b/rpc-peer"
    }
    let bound = try await listening.listen(url).address
    try await dialing.dial(bound.url)
    let left = RPCPeer(socket: listening)
    let right = RPCPeer(socket: dialing)
    try register(left, right)
    let runs = [Task { try await left.run() }, Task { try await right.run() }]
    do {
      try await body(left, right)
    } catch {
      listening.close()
      dialing.close()
      for run in runs { _ = await run.result }
      throw error
    }
    listening.close()
    dialing.close()
    for run in runs { try await run.value }
  }

  @Test(arguments: Transport.allCases)
  func callsGoBothWaysConcurrently(transport: Transport) async throws {
    // No "join" is answered on either side before all of that side's joins are in: the calls
    // of each side must be in flight together, while the other side's are too.
    let count = 16
    let arrivedLeft = Countdown()
    let arrivedRight = Countdown()
    try await withPeers(transport) { left, right in
      try left.register("join") { (arguments: AddArguments) in
        await arrivedLeft.arrive()
        await arrivedLeft.wait(for: count)
        return arguments.a + arguments.b
      }
      try right.register("join") { (arguments: AddArguments) in
        await arrivedRight.arrive()
        await arrivedRight.wait(for: count)
        return arguments.a * arguments.b
      }
    } _: { left, right in
      let results = try await withThrowingTaskGroup(of: (String, Int, Int).self) { group in
        for i in 0..<count {
          group.addTask {
            ("left", i, try await left.call("join", AddArguments(a: i, b: 3), timeout: .seconds(30)))
          }
          group.addTask {
            ("right", i, try await right.call("join", AddArguments(a: i, b: 3), timeout: .seconds(30)))
          }
        }
        return try await group.reduce(into: [String: Int]()) { $0["\($1.0) \($1.1)"] = $1.2 }
      }
      for i in 0..<count {
        #expect(results["left \(i)"] == i * 3, "the left peer's call reaches the right's handler")
        #expect(results["right \(i)"] == i + 3, "the right peer's call reaches the left's handler")
      }
    }
  }

  @Test func aHandlerCanCallTheOtherSideBack() async throws {
    try await withPeers { left, right in
      try right.register("double") { (n: Int) in n * 2 }
      try left.register("quadruple") { [left] (n: Int) -> Int in
        let doubled: Int = try await left.call("double", n, timeout: .seconds(30))
        return try await left.call("double", doubled, timeout: .seconds(30))
      }
    } _: { _, right in
      let quadrupled = try await right.call("quadruple", 5, returning: Int.self, timeout: .seconds(30))
      #expect(quadrupled == 20)
    }
  }

  @Test func failuresAreTheRPCErrorsOfRPCClient() async throws {
    try await withPeers { left, _ in
      try left.register("withdraw") { (amount: Int) -> Int in
        if amount > 10 { throw Overdrawn(balance: 10) }
        return 10 - amount
      }
      try left.register("name") { "left" }
    } _: { _, right in
      await #expect(
        throws: RPCError.remote(type: String(reflecting: Overdrawn.self), message: "balance 10 is too low")
      ) {
        try await right.call("withdraw", 50, returning: Int.self, timeout: .seconds(30))
      }
      await #expect(throws: RPCError.unknownMethod("deposit")) {
        try await right.call("deposit", 5, returning: Int.self, timeout: .seconds(30))
      }
      do {
        _ = try await right.call("withdraw", "all", returning: Int.self, timeout: .seconds(30))
        Issue.record("arguments of the wrong type were accepted")
      } catch let RPCError.badArguments(method, reason) {
        #expect(method == "withdraw")
        #expect(reason.hasPrefix("expected Int"))
      }
      do {
        _ = try await right.call("name", returning: Int.self, timeout: .seconds(30))
        Issue.record("a String result decoded as an Int")
      } catch let RPCError.undecodableResult(method, _) {
        #expect(method == "name")
      }
      await #expect(throws: RPCError.invalidMethodName("")) {
        try await right.call("", returning: Int.self, timeout: .seconds(30))
      }
      #expect(try await right.call("withdraw", 4, returning: Int.self, timeout: .seconds(30)) == 6)
    }
  }

  @Test func callsTimeOutAndCancelledCallsAreAbandoned() async throws {
    let started = Countdown()
    let release = Countdown()
    try await withPeers { left, _ in
      try left.register("hang") { (i: Int) in
        await started.arrive()
        await release.wait(for: 1)
        return i
      }
      try left.register("add") { (arguments: AddArguments) in arguments.a + arguments.b }
    } _: { _, right in
      await #expect(throws: SPError.timedOut) {
        try await right.call("hang", 1, returning: Int.self, timeout: .milliseconds(50))
      }
      let call = Task { try await right.call("hang", 2, returning: Int.self, timeout: nil) }
      await started.wait(for: 2)
      call.cancel()
      await #expect(throws: CancellationError.self) { try await call.value }
      // Both late replies come and are dropped as stale; later calls get their own replies.
      await release.arrive()
      let sum = try await right.call(
        "add", AddArguments(a: 20, b: 22), returning: Int.self, timeout: .seconds(30))
      #expect(sum == 42)
      let three = try await right.call("hang", 3, returning: Int.self, timeout: .seconds(30))
      #expect(three == 3)
    }
  }

  @Test func theSocketsReceiveTimeoutIsTheDefault() async throws {
    let release = Countdown()
    try await withPeers { left, _ in
      try left.register("hang") { () async -> Int in
        await release.wait(for: 1)
        return 0
      }
    } _: { _, right in
      right.socket.options.receiveTimeout = .milliseconds(50)
      await #expect(throws: SPError.timedOut) { try await right.call("hang", returning: Int.self) }
      await #expect(throws: SPError.timedOut) { try await right.call("hang", 1, returning: Int.self) }
      await release.arrive()
    }
  }

  @Test func closingFailsTheCallsThatWait() async throws {
    let started = Countdown()
    let release = Countdown()
    let left = Pair1()
    let right = Pair1()
    defer { left.close() }
    try await join(left, right)
    let server = RPCPeer(socket: left)
    try server.register("hang") { (i: Int) in
      await started.arrive()
      await release.wait(for: 1)
      return i
    }
    let client = RPCPeer(socket: right)
    let runs = [Task { try await server.run() }, Task { try await client.run() }]
    let call = Task { try await client.call("hang", 1, returning: Int.self, timeout: nil) }
    await started.wait(for: 1)
    right.close()
    await #expect(throws: SPError.closed) { try await call.value }
    await #expect(throws: SPError.closed) {
      try await client.call("hang", 2, returning: Int.self, timeout: nil)
    }
    await release.arrive()
    left.close()
    for run in runs { try await run.value }
  }

  @Test func badFramesAreDroppedAndBadEnvelopesAnswered() async throws {
    let pair = Pair1()
    let raw = Pair1()
    defer {
      pair.close()
      raw.close()
    }
    try await join(pair, raw)
    let peer = RPCPeer(socket: pair)
    try peer.register("add") { (arguments: AddArguments) in arguments.a + arguments.b }
    let running = Task { try await peer.run() }
    // Not frames: too short, an unknown kind. Then a reply nobody waits for. All dropped.
    for body: [UInt8] in [[], [0, 0, 0], [7, 0, 0, 0, 1, 3], [1, 0, 0, 0, 9, 0, 0x31]] {
      try await raw.send(Message(body))
    }
    // A request whose envelope is malformed gets a failure reply with its call ID.
    try await raw.send(Message([0, 0, 0, 0, 42, 9, 0x61, 0x62]))
    var reply = try await raw.receive().body
    #expect(reply.readInteger(as: UInt8.self) == 1)
    #expect(reply.readInteger(as: UInt32.self) == 42)
    #expect(
      try RPCEnvelope.readReply(reply)
        == .failure(
          .malformedRequest, type: "Starling.RPCError",
          message: "the method name is 9 bytes long but only 2 bytes follow"))
    // A good request by hand.
    var request = ByteBuffer(bytes: [0, 0xff, 0xff, 0xff, 0xff])
    try RPCEnvelope.writeRequestHead(method: "add", into: &request)
    request.writeString(#"{"a":40,"b":2}"#)
    try await raw.send(Message(body: request))
    reply = try await raw.receive().body
    #expect(Array(reply.readableBytesView) == [1, 0xff, 0xff, 0xff, 0xff, 0, 0x34, 0x32])
    pair.close()
    try await running.value
  }

  @Test func framesReadAndSayWhatIsWrong() throws {
    var buffer = ByteBuffer()
    RPCPeerFrame.writeHead(.reply, id: 0x0102_0304, into: &buffer)
    buffer.writeString("x")
    let frame = try RPCPeerFrame(reading: buffer)
    #expect(frame.kind == .reply)
    #expect(frame.id == 0x0102_0304)
    #expect(Array(frame.body.readableBytesView) == [0x78])
    #expect(Array(buffer.readableBytesView.prefix(5)) == [1, 1, 2, 3, 4])
    for (bytes, reason) in [
      ([UInt8](), "0 bytes are too few: a frame starts with a kind byte and a 4-byte call ID"),
      ([0, 1, 2], "3 bytes are too few: a frame starts with a kind byte and a 4-byte call ID"),
      ([2, 0, 0, 0, 1], "unknown kind 2 (0 is a request, 1 a reply)"),
    ] {
      #expect(throws: RPCPeerFrame.Malformed.self) { try RPCPeerFrame(reading: ByteBuffer(bytes: bytes)) }
      do {
        _ = try RPCPeerFrame(reading: ByteBuffer(bytes: bytes))
      } catch {
        #expect(error.description == reason)
      }
    }
  }
}
