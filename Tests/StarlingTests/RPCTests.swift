import Foundation
import Testing

import struct StarlingChannels.Lock

@testable import Starling

/// Typed RPC end to end over Starling's own req/rep: inproc, tcp and ipc.
@Suite(.timeLimit(.minutes(5))) struct RPCTests {
  enum Transport: String, CaseIterable, Sendable { case inproc, tcp, ipc }

  struct AddArguments: Codable, Sendable { var a: Int; var b: Int }

  struct Overdrawn: Error, CustomStringConvertible {
    var balance: Int
    var description: String { "balance \(balance) is too low" }
  }

  /// Runs `body` with a client connected to a running server on `transport`; closes both and
  /// checks that the server's `run()` returns.
  func withServer(
    _ transport: Transport = .inproc, maxConcurrentRequests: Int = 64, name: String = #function,
    register: (RPCServer) throws -> Void, _ body: (RPCClient, RPCServer) async throws -> Void
  ) async throws {
    let rep = Rep0()
    let req = Req0()
    let url =
      switch transport {
      case .inproc: "inproc://rpc-\(name)-\(UUID().uuidString)"
      case .tcp: "tcp://127.0.0.1:0"
      case .ipc: uniqueIPCPath(name)
      }
    let bound = try await rep.listen(url).address
    try await req.dial(bound.url)
    let server = RPCServer(socket: rep, maxConcurrentRequests: maxConcurrentRequests)
    try register(server)
    let running = Task { try await server.run() }
    do {
      try await body(RPCClient(socket: req), server)
    } catch {
      req.close()
      rep.close()
      _ = await running.result
      throw error
    }
    req.close()
    rep.close()
    try await running.value
  }

  @Test(arguments: Transport.allCases)
  func manyConcurrentCallsOverOneSocket(transport: Transport) async throws {
    try await withServer(transport) { server in
      try server.register("add") { (arguments: AddArguments) in arguments.a + arguments.b }
      try server.register("greet") { (name: String) in "hello, \(name)" }
    } _: { client, _ in
      let sums = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
        for i in 0..<200 {
          group.addTask {
            (i, try await client.call("add", AddArguments(a: i, b: 1000), timeout: .seconds(60)))
          }
        }
        return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
      }
      #expect(sums == Dictionary(uniqueKeysWithValues: (0..<200).map { ($0, $0 + 1000) }))
      #expect(try await client.call("greet", "swift", returning: String.self) == "hello, swift")
    }
  }

  @Test func repliesOutOfOrderReachTheirOwnCallers() async throws {
    // Every call waits until all eight are in the server; then they finish last-come first.
    let arrived = Countdown()
    let finished = Countdown()
    let order = Lock<[Int]>.make([])
    try await withServer { server in
      try server.register("slot") { (i: Int) in
        await arrived.arrive()
        await arrived.wait(for: 8)
        await finished.wait(for: 7 - i)
        order.withLock { $0.append(i) }
        await finished.arrive()
        return i * 10
      }
    } _: { client, _ in
      let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
        for i in 0..<8 {
          group.addTask { (i, try await client.call("slot", i, timeout: .seconds(60))) }
        }
        return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
      }
      #expect(results == Dictionary(uniqueKeysWithValues: (0..<8).map { ($0, $0 * 10) }))
      #expect(order.withLock { $0 } == Array((0..<8).reversed()))
    }
  }

  @Test func handlersRunConcurrentlyUpToTheLimit() async throws {
    let inFlight = Lock<(now: Int, most: Int)>.make((0, 0))
    let arrived = Countdown()
    let release = Countdown()
    try await withServer(maxConcurrentRequests: 4) { server in
      try server.register("work") { (i: Int) in
        inFlight.withLock {
          $0.now += 1; $0.most = max($0.most, $0.now)
        }
        await arrived.arrive()
        await release.wait(for: 1)
        inFlight.withLock { $0.now -= 1 }
        return i
      }
    } _: { client, server in
      #expect(server.maxConcurrentRequests == 4)
      let calls = Task {
        try await withThrowingTaskGroup(of: Int.self) { group in
          for i in 0..<10 { group.addTask { try await client.call("work", i, timeout: .seconds(60)) } }
          return try await group.reduce(0, +)
        }
      }
      // Four handlers start (more would exceed the limit, fewer would never get here).
      await arrived.wait(for: 4)
      await release.arrive()
      let total = try await calls.value
      #expect(total == 45)
      #expect(inFlight.withLock { $0.most } == 4)
    }
  }

  @Test func aThrowingHandlerGivesTheCallerTheRemoteErrorsTypeAndMessage() async throws {
    try await withServer { server in
      try server.register("withdraw") { (amount: Int) -> Int in
        if amount > 10 { throw Overdrawn(balance: 10) }
        return 10 - amount
      }
    } _: { client, _ in
      do {
        let _: Int = try await client.call("withdraw", 50)
        Issue.record("the handler's error did not reach the caller")
      } catch let RPCError.remote(type, message) {
        #expect(type == String(reflecting: Overdrawn.self))
        #expect(message == "balance 10 is too low")
      }
      // The server keeps serving.
      #expect(try await client.call("withdraw", 3, returning: Int.self) == 7)
    }
  }

  @Test(arguments: [Transport.inproc, .tcp])
  func unknownMethodsBadArgumentsAndUndecodableResults(transport: Transport) async throws {
    try await withServer(transport) { server in
      try server.register("add") { (arguments: AddArguments) in arguments.a + arguments.b }
    } _: { client, _ in
      await #expect(throws: RPCError.unknownMethod("subtract")) {
        try await client.call("subtract", AddArguments(a: 1, b: 2), returning: Int.self)
      }
      do {
        _ = try await client.call("add", ["a": 1], returning: Int.self)
        Issue.record("arguments without b were accepted")
      } catch let RPCError.badArguments(method, reason) {
        #expect(method == "add")
        #expect(reason == "missing key 'b' at the top level")
      }
      do {
        _ = try await client.call("add", AddArguments(a: 1, b: 2), returning: String.self)
        Issue.record("an Int result decoded as a String")
      } catch let RPCError.undecodableResult(method, reason) {
        #expect(method == "add")
        #expect(reason.hasPrefix("expected String at the top level"))
      }
      await #expect(throws: RPCError.invalidMethodName("")) {
        try await client.call("", 1, returning: Int.self)
      }
      #expect(try await client.call("add", AddArguments(a: 2, b: 2), returning: Int.self) == 4)
    }
  }

  @Test func methodsWithoutArguments() async throws {
    try await withServer { server in
      try server.register("ping") { "pong" }
      #expect(server.methods == ["ping"])
    } _: { client, server in
      let pong = try await client.call("ping", returning: String.self)
      #expect(pong == "pong")
      // A payload sent anyway is ignored.
      let pongAnyway = try await client.call("ping", [1, 2, 3], returning: String.self)
      #expect(pongAnyway == "pong")
      server.unregister("ping")
      await #expect(throws: RPCError.unknownMethod("ping")) {
        try await client.call("ping", returning: String.self)
      }
    }
  }

  @Test func registeringABadNameThrows() throws {
    let server = RPCServer(socket: Rep0())
    defer { server.socket.close() }
    #expect(throws: RPCError.invalidMethodName("")) { try server.register("") { 1 } }
    let long = String(repeating: "x", count: 256)
    #expect(throws: RPCError.invalidMethodName(long)) { try server.register(long) { (i: Int) in i } }
    #expect(server.methods.isEmpty)
  }

  @Test func callsTimeOutAndCancelledCallsAreAbandoned() async throws {
    let started = Countdown()
    let release = Countdown()
    try await withServer { server in
      try server.register("hang") { (i: Int) in
        await started.arrive()
        await release.wait(for: 1)
        return i
      }
      try server.register("add") { (arguments: AddArguments) in arguments.a + arguments.b }
    } _: { client, _ in
      await #expect(throws: SPError.timedOut) {
        try await client.call("hang", 1, returning: Int.self, timeout: .milliseconds(50))
      }
      let call = Task { try await client.call("hang", 2, returning: Int.self, timeout: nil) }
      await started.wait(for: 2)
      call.cancel()
      await #expect(throws: CancellationError.self) { try await call.value }
      // Both late replies are dropped as stale; the socket goes on matching replies correctly.
      await release.arrive()
      let sum = try await client.call("add", AddArguments(a: 20, b: 22), returning: Int.self)
      #expect(sum == 42)
    }
  }

  @Test func theSocketsReceiveTimeoutIsTheDefault() async throws {
    let release = Countdown()
    try await withServer { server in
      try server.register("hang") { (i: Int) in
        await release.wait(for: 1)
        return i
      }
      try server.register("hangWithoutArguments") { () async -> Int in
        await release.wait(for: 1)
        return 0
      }
    } _: { client, _ in
      client.socket.options.receiveTimeout = .milliseconds(50)
      await #expect(throws: SPError.timedOut) { try await client.call("hang", 1, returning: Int.self) }
      await #expect(throws: SPError.timedOut) {
        try await client.call("hangWithoutArguments", returning: Int.self)
      }
      await release.arrive()
    }
  }

  @Test func malformedEnvelopesFromARawReqSocketGetAFailureReply() async throws {
    try await withServer { server in
      try server.register("add") { (arguments: AddArguments) in arguments.a + arguments.b }
    } _: { client, _ in
      let cases: [([UInt8], String)] = [
        ([], "the body is empty; it must start with the method name's length"),
        ([0], "the method name is empty"),
        ([9, 0x61, 0x62], "the method name is 9 bytes long but only 2 bytes follow"),
        ([2, 0xc3, 0x28], "the method name is not valid UTF-8"),
      ]
      for (body, reason) in cases {
        let reply = try await client.socket.request(Message(body), timeout: .seconds(60))
        #expect(
          try RPCEnvelope.readReply(reply.body)
            == .failure(.malformedRequest, type: "Starling.RPCError", message: reason))
      }
      // Arguments that are not JSON at all.
      let reply = try await client.socket.request(Message([3] + Array("add{{".utf8)), timeout: .seconds(60))
      guard case .failure(.badArguments, let type, _) = try RPCEnvelope.readReply(reply.body) else {
        Issue.record("bad JSON was not refused")
        return
      }
      #expect(type == "Swift.DecodingError")
      #expect(try await client.call("add", AddArguments(a: 1, b: 1), returning: Int.self) == 2)
    }
  }

  @Test func malformedRepliesFromARawRepSocketAreClearErrors() async throws {
    let rep = Rep0()
    let req = Req0()
    defer {
      req.close()
      rep.close()
    }
    let url = "inproc://rpc-raw-rep-\(UUID().uuidString)"
    try await rep.listen(url)
    try await req.dial(url)
    let replies: [[UInt8]] = [[], [7], [1, 0, 9, 0x61], [0] + Array("{not json".utf8)]
    let server = Task {
      for reply in replies { try await rep.nextRequest().reply(Message(reply)) }
    }
    let client = RPCClient(socket: req)
    var errors: [RPCError] = []
    for _ in replies {
      do {
        _ = try await client.call("f", 1, returning: Int.self, timeout: .seconds(60))
      } catch let error as RPCError {
        errors.append(error)
      }
    }
    try await server.value
    #expect(errors.count == 4)
    #expect(
      errors.prefix(3) == [
        .malformedReply("the body is empty; it must start with a status byte"),
        .malformedReply("unknown status 7"),
        .malformedReply("the error's type name is 9 bytes long but only 1 bytes follow"),
      ])
    guard case .undecodableResult(method: "f", _) = errors.last else {
      Issue.record("invalid JSON result gave \(String(describing: errors.last))")
      return
    }
  }

  @Test func runReturnsWhenTheSocketClosesAndWhenCancelled() async throws {
    let rep = Rep0()
    let server = RPCServer(socket: rep, maxConcurrentRequests: 3)
    let running = Task { try await server.run() }
    let cancelled = Task { try await server.run() }
    cancelled.cancel()
    try await cancelled.value
    rep.close()
    try await running.value
    // Running on a closed socket returns at once.
    try await server.run()
  }

  /// A codec of its own: JSON behind a one-byte tag, refused without the tag.
  struct TaggedCodec: RPCCodec {
    struct MissingTag: Error {}
    let json = JSONRPCCodec()
    func encode<Value: Encodable>(_ value: Value, into buffer: inout ByteBuffer) throws {
      buffer.writeInteger(UInt8(0x4a))
      try json.encode(value, into: &buffer)
    }
    func decode<Value: Decodable>(_ type: Value.Type, from buffer: ByteBuffer) throws -> Value {
      var buffer = buffer
      guard buffer.readInteger(as: UInt8.self) == 0x4a else { throw MissingTag() }
      return try json.decode(type, from: buffer)
    }
  }

  @Test func codecsArePluggable() async throws {
    let rep = Rep0()
    let req = Req0()
    let plain = Req0()
    defer {
      req.close()
      plain.close()
      rep.close()
    }
    let url = "inproc://rpc-codec-\(UUID().uuidString)"
    try await rep.listen(url)
    try await req.dial(url)
    try await plain.dial(url)
    let server = RPCServer(socket: rep, codec: TaggedCodec())
    try server.register("add") { (arguments: AddArguments) in arguments.a + arguments.b }
    let running = Task { try await server.run() }
    let client = RPCClient(socket: req, codec: TaggedCodec())
    #expect(try await client.call("add", AddArguments(a: 5, b: 6), returning: Int.self) == 11)
    // A JSON client speaking to a tagged server: its arguments do not decode.
    do {
      _ = try await RPCClient(socket: plain).call("add", AddArguments(a: 5, b: 6), returning: Int.self)
      Issue.record("a payload without the tag was accepted")
    } catch let RPCError.badArguments(_, reason) {
      #expect(reason.contains("MissingTag"))
    }
    rep.close()
    try await running.value
  }
}

/// Counts arrivals; tasks wait until the count reaches a number.
actor Countdown {
  private var count = 0
  private var waiters: [(Int, CheckedContinuation<Void, Never>)] = []

  func arrive() {
    count += 1
    let ready = waiters.filter { $0.0 <= count }
    waiters.removeAll { $0.0 <= count }
    for (_, waiter) in ready { waiter.resume() }
  }

  func wait(for number: Int) async {
    if count >= number { return }
    await withCheckedContinuation { waiters.append((number, $0)) }
  }
}
