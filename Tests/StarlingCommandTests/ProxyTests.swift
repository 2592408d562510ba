import Foundation
import Starling
import Testing

@testable import StarlingCommandLine

/// The proxy end to end on real sockets, in this process: SP sockets and plain TCP through it,
/// cuts, resets, held connections. (Its timing is tested on a simulated clock in
/// ``ProxyShaperTests``; nothing here measures time.)
@Suite(.timeLimit(.minutes(5))) struct ProxyTests {
  /// A proxy to `target` with `settings` changed as `configure` says, started.
  func proxy(
    to target: Address, lines: LoggedLines, _ configure: (inout ProxyServer.Settings) -> Void = { _ in }
  ) async throws -> (ProxyServer, Address) {
    var settings = ProxyServer.Settings(listen: try Address("tcp://127.0.0.1:0"), target: target)
    configure(&settings)
    let proxy = ProxyServer(settings: settings, log: lines.log)
    return (proxy, try await proxy.start())
  }

  /// Sockets that redial quickly after a cut.
  static let quickRedial: SocketOptions = {
    var options = SocketOptions()
    options.reconnectMinimum = .milliseconds(20)
    return options
  }()

  /// Message `i` of a run: `size` bytes of a pattern that depends on `i`.
  static func message(_ i: Int, size: Int) -> [UInt8] {
    (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }
  }

  @Test func bytesCrossIntactAndInOrderBothWays() async throws {
    let lines = LoggedLines()
    let server = Pair0()
    let client = Pair0()
    defer {
      client.close()
      server.close()
    }
    let bound = try await server.listen("tcp://127.0.0.1:0").address
    // Latency with a jitter larger than the gap between messages: order must still hold.
    let (proxy, front) = try await proxy(to: bound, lines: lines) { settings in
      settings.shaping = .init(
        latency: .milliseconds(2), jitter: .milliseconds(2), bytesPerSecond: 20_000_000)
      settings.seed = 3
    }
    try await client.dial(front.url)
    let sizes = (0..<100).map { 1 + ($0 * 7919) % 50_000 }
    try await withThrowingTaskGroup(of: Void.self) { group in
      for (from, to) in [(client, server), (server, client)] {
        group.addTask {
          for (i, size) in sizes.enumerated() { try await from.send(Message(Self.message(i, size: size))) }
        }
        group.addTask {
          for (i, size) in sizes.enumerated() {
            let received = try await to.receive()
            #expect(Array(received.body.readableBytesView) == Self.message(i, size: size), "message \(i)")
          }
        }
      }
      try await group.waitForAll()
    }
    client.close()
    // Every byte counted: the 8-byte SP handshake, then each message's 8-byte length and body.
    let expected = 8 + sizes.reduce(0) { $0 + 8 + $1 }
    #expect(
      try await lines.line(containing: "connection 1 closed")
        .hasSuffix("connection 1 closed by the client: \(expected) bytes up, \(expected) bytes down"))
    let totals = await proxy.stop("the test")
    #expect(totals == .init(connections: 1, bytesUp: expected, bytesDown: expected, cuts: 0))
  }

  @Test func aCutClosesConnectionsRefusesNewOnesAndARedialAfterHealSucceeds() async throws {
    let lines = LoggedLines()
    let pull = Pull0()
    let push = Push0(options: Self.quickRedial)
    defer {
      push.close()
      pull.close()
    }
    let bound = try await pull.listen("tcp://127.0.0.1:0").address
    let (proxy, front) = try await proxy(to: bound, lines: lines)
    try await push.dial(front.url)
    try await push.send(Message(Array("one".utf8)))
    #expect(try await pull.receive().bytes == Array("one".utf8))

    proxy.cut("the test")
    #expect(proxy.isCut)
    try await lines.line(containing: "cut (the test): closed 1 connection")
    try await lines.line(containing: "connection 1 closed by a cut")
    // The push socket redials; while the link is cut it is refused.
    try await lines.line(containing: "refused: the link is cut")

    proxy.heal("the test")
    try await lines.line(containing: "healed (the test)")
    try await push.send(Message(Array("two".utf8)))
    #expect(try await pull.receive().bytes == Array("two".utf8))
    let opened = try await lines.line(containing: "opened from", count: 2)
    #expect(!opened.contains("connection 1 "))
    let totals = await proxy.stop("the test")
    #expect(totals.cuts == 1)
    #expect(totals.connections >= 3)
  }

  @Test func aResetCutSendsRSTAndHeldConnectionsGoOnAfterTheHeal() async throws {
    let lines = LoggedLines()
    let (echo, proxy, front) = try await proxyToEcho(lines: lines) { settings in
      settings.cutMode = .reset
      settings.whileCut = .hold
    }
    defer { echo.closeInput() }
    let first = try probe(["client", String(front.port), "hello"])
    #expect(try await first.line(startingWith: "ECHO ", on: .stdout) == "ECHO hello")
    proxy.cut("the test")
    try await lines.line(containing: "connection 1 reset by a cut: 5 bytes up, 5 bytes down")
    #expect(try await first.line(startingWith: "END ", on: .stdout) == "END RESET")

    // Made while the link is cut: accepted by the kernel, held by the proxy, its bytes wait.
    let second = try probe(["client", String(front.port), "again"])
    _ = try await second.line(startingWith: "CONNECTED", on: .stdout)
    #expect(
      try await lines.line(containing: "connection 2 from 127.0.0.1:").hasSuffix("held: the link is cut"))
    proxy.heal("the test")
    try await lines.line(containing: "healed (the test): forwarding 1 held connection")
    #expect(try await second.line(startingWith: "ECHO ", on: .stdout) == "ECHO again")
    let totals = await proxy.stop("the test")
    #expect(try await second.line(startingWith: "END ", on: .stdout) == "END EOF")
    try await lines.line(containing: "connection 2 closed: the proxy stopped: 5 bytes up, 5 bytes down")
    #expect(totals == .init(connections: 2, bytesUp: 10, bytesDown: 10, cuts: 1))
  }

  @Test func bytesStillDelayedWhenTheClientClosesAreDeliveredFirst() async throws {
    let lines = LoggedLines()
    let (echo, proxy, front) = try await proxyToEcho(lines: lines) { $0.shaping.latency = .milliseconds(300) }
    defer { echo.closeInput() }
    // The client is gone long before its bytes leave the proxy: they still reach the server,
    // and then the connection ends.
    _ = try await probe(["send-and-close", String(front.port), "goodbye"]).line(
      startingWith: "SENT", on: .stdout)
    // (The echo may come back down too: the client's kernel takes it, then resets.)
    let closed = try await lines.line(containing: "connection 1 closed")
    #expect(closed.contains("connection 1 closed by the client: 7 bytes up, "))
    await proxy.stop("the test")
  }

  @Test func aServerThatIsNotThereClosesTheClientAndSaysWhy() async throws {
    let lines = LoggedLines()
    // Nothing listens on port 1 (a free port found now could be taken by a parallel test).
    let port = 1
    let (proxy, front) = try await proxy(to: try Address("tcp://127.0.0.1:\(port)"), lines: lines)
    let client = try probe(["client", String(front.port), "hello"])
    // Closed without an echo (a reset if "hello" reached the closed socket first).
    #expect(try await client.line(startingWith: "END ", on: .stdout).hasPrefix("END "))
    #expect(try await client.finish().stdoutText.contains("ECHO") == false)
    #expect(
      try await lines.line(containing: "connection 1 failed")
        .hasSuffix(
          "connection 1 failed: cannot reach tcp://127.0.0.1:\(port): connection refused by tcp://127.0.0.1:\(port)"
        ))
    await proxy.stop("the test")
  }

  @Test func anAddressInUseIsAClearError() async throws {
    let lines = LoggedLines()
    let (first, front) = try await proxy(to: try Address("tcp://127.0.0.1:1"), lines: lines)
    defer { Task { await first.stop("the test") } }
    let second = ProxyServer(
      settings: .init(listen: front, target: try Address("tcp://127.0.0.1:1")), log: lines.log)
    await #expect(throws: SPError.addressInUse(front.url)) { try await second.start() }
  }

  /// A plain TCP echo server (tcp_probe.py) and a started proxy to it.
  func proxyToEcho(
    lines: LoggedLines, _ configure: (inout ProxyServer.Settings) -> Void
  ) async throws -> (echo: ChildProcess, proxy: ProxyServer, front: Address) {
    let echo = try probe(["echo-server"])
    let port = try await echo.line(startingWith: "PORT ", on: .stdout).dropFirst(5)
    let (proxy, front) = try await proxy(to: try Address("tcp://127.0.0.1:\(port)"), lines: lines, configure)
    return (echo, proxy, front)
  }

  /// Runs Tests/Interop/tcp_probe.py with `arguments`.
  func probe(_ arguments: [String]) throws -> ChildProcess {
    try ChildProcess(
      Tools.python, [Tools.root.appendingPathComponent("Tests/Interop/tcp_probe.py").path] + arguments,
      keepInputOpen: true)
  }
}
