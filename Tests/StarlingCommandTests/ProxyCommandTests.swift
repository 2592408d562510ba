import Foundation
import Starling
import Testing

/// `starling proxy` as a program: real nng (pynng) req/rep and push/pull through it, cuts and
/// heals by signal and by schedule, the lines it prints, and the flags it refuses.
@Suite(.timeLimit(.minutes(5))) struct ProxyCommandTests {
  /// Starts `starling proxy` to `target` with `flags`; returns it and the address it listens on.
  func startProxy(to target: String, _ flags: [String] = []) async throws -> (ChildProcess, String) {
    let proxy = try Tools.starling(["proxy", "--listen", "tcp://127.0.0.1:0", "--to", target] + flags)
    let line = try await proxy.line(containing: " listening on ")
    let url = line.split(separator: " ")[3].trimmingCharacters(in: CharacterSet(charactersIn: ","))
    return (proxy, url)
  }

  /// Starts Tests/Interop/peer.py; a listener reports its address.
  func pynng(
    _ proto: String, _ role: String, _ url: String, count: Int
  ) async throws -> (ChildProcess, String) {
    let peer = try ChildProcess(
      Tools.python,
      [Tools.root.appendingPathComponent("Tests/Interop/peer.py").path, proto, role, url, String(count)],
      keepInputOpen: true, environment: ["PEER_TIMEOUT_MS": "60000"])
    guard role == "listen" else { return (peer, url) }
    let port = try await peer.line(startingWith: "PORT ", on: .stdout).dropFirst(5)
    _ = try await peer.line(startingWith: "READY", on: .stdout)
    return (peer, "tcp://127.0.0.1:\(port)")
  }

  func received(_ outcome: ChildProcess.Outcome) -> [String] {
    outcome.stdoutText.split(separator: "\n").filter { $0.hasPrefix("RECV ") }.map {
      String(decoding: hexBytes($0.dropFirst(5)), as: UTF8.self)
    }
  }

  func hexBytes(_ hex: Substring) -> [UInt8] {
    stride(from: 0, to: hex.count, by: 2).map {
      let start = hex.index(hex.startIndex, offsetBy: $0)
      return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
    }
  }

  @Test func reqRepWithPynngThroughTheProxy() async throws {
    let (rep, repURL) = try await pynng("Rep0", "listen", "tcp://127.0.0.1:0", count: 3)
    let (proxy, url) = try await startProxy(
      to: repURL, ["--latency", "5ms", "--jitter", "3ms", "--seed", "11"])
    let (req, _) = try await pynng("Req0", "dial", url, count: 3)
    _ = try await req.line(startingWith: "DONE", on: .stdout)
    req.closeInput()
    #expect(received(try await req.finish()) == ["re:q0", "re:q1", "re:q2"])
    rep.closeInput()
    _ = try await rep.finish()
    try await proxy.line(containing: "connection 1 closed")
    proxy.signal(SIGTERM)
    let outcome = try await proxy.finish()
    #expect(outcome.status == 0)
    #expect(outcome.stderr.contains("latency 5ms, jitter 3ms, bandwidth unlimited"))
    #expect(outcome.stderr.contains("seed 11"))
    #expect(outcome.stderrLines.last?.contains("stopped (SIGTERM): 1 connection, ") == true)
  }

  @Test func pushPullWithPynngThroughTheProxy() async throws {
    let (pull, pullURL) = try await pynng("Pull0", "listen", "tcp://127.0.0.1:0", count: 3)
    let (proxy, url) = try await startProxy(to: pullURL, ["--bandwidth", "100KB/s"])
    let (push, _) = try await pynng("Push0", "dial", url, count: 3)
    _ = try await pull.line(startingWith: "DONE", on: .stdout)
    pull.closeInput()
    #expect(received(try await pull.finish()) == ["m0", "m1", "m2"])
    push.closeInput()
    _ = try await push.finish()
    proxy.signal(SIGINT)
    #expect(try await proxy.finish().status == 0)
  }

  @Test func sigusr1CutsAndSigusr2Heals() async throws {
    var options = SocketOptions()
    options.reconnectMinimum = .milliseconds(20)
    let pull = Pull0()
    let push = Push0(options: options)
    defer {
      push.close()
      pull.close()
    }
    let bound = try await pull.listen("tcp://127.0.0.1:0").address
    let (proxy, url) = try await startProxy(to: bound.url, ["--cut-mode", "reset"])
    try await push.dial(url)
    try await push.send(Message(Array("before".utf8)))
    #expect(try await pull.receive().bytes == Array("before".utf8))

    proxy.signal(SIGUSR1)
    try await proxy.line(containing: "cut (SIGUSR1): reset 1 connection")
    try await proxy.line(containing: "connection 1 reset by a cut")
    try await proxy.line(containing: "refused: the link is cut")
    proxy.signal(SIGUSR2)
    try await proxy.line(containing: "healed (SIGUSR2)")
    try await push.send(Message(Array("after".utf8)))
    #expect(try await pull.receive().bytes == Array("after".utf8))
    proxy.signal(SIGINT)
    let outcome = try await proxy.finish()
    #expect(outcome.status == 0)
    #expect(outcome.stderrLines.last?.contains(" 1 cut") == true)
  }

  @Test func aScheduleCutsAndHeals() async throws {
    let pull = Pull0()
    defer { pull.close() }
    let bound = try await pull.listen("tcp://127.0.0.1:0").address
    let (proxy, _) = try await startProxy(to: bound.url, ["--cut-every", "50ms", "--cut-for", "20ms"])
    try await proxy.line(containing: "cut (every 50ms): closed 0 connections")
    try await proxy.line(containing: "healed (after 20ms)")
    proxy.signal(SIGTERM)
    #expect(try await proxy.finish().status == 0)
  }

  @Test func badFlagsAreOneLineAndExit64() async throws {
    let outcome = try await Tools.starling([
      "proxy", "--listen", "tcp://127.0.0.1:0", "--to", "tcp://127.0.0.1:1", "--latency", "20",
    ]).finish()
    #expect(outcome.status == 64)
    #expect(outcome.stderrLines.count == 1)
    #expect(outcome.stderr.contains("needs a unit"))
    #expect(outcome.stderr.contains("(see 'starling proxy --help')"))
  }

  @Test func anAddressInUseExits1() async throws {
    let pull = Pull0()
    defer { pull.close() }
    let bound = try await pull.listen("tcp://127.0.0.1:0").address
    let outcome = try await Tools.starling(["proxy", "--listen", bound.url, "--to", "tcp://127.0.0.1:1"])
      .finish()
    #expect(outcome.status == 1)
    #expect(outcome.stderr == "starling: address in use: \(bound.url)\n")
  }
}
