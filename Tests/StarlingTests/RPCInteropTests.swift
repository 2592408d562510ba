import Foundation
import Testing

@testable import Starling

/// RPC against real nng: `Tests/Interop/rpc_peer.py` speaks the envelope from pynng (nng 1.11)
/// with req/rep contexts, as a client calling a Starling ``RPCServer`` and as a server answering
/// an ``RPCClient``, over tcp and ipc.
@Suite(.serialized, .timeLimit(.minutes(5))) struct RPCInteropTests {
  enum Transport: String, CaseIterable, Sendable { case tcp, ipc }

  struct AddArguments: Codable, Sendable, Equatable { var a: Int; var b: Int }
  struct Refused: Error, CustomStringConvertible {
    var description: String { "swift says no" }
  }

  static let count = 16

  @Test(arguments: Transport.allCases)
  func nngClientCallsAStarlingServerConcurrently(transport: Transport) async throws {
    let rep = Rep0()
    defer { rep.close() }
    let bound = try await rep.listen(transport == .tcp ? "tcp://127.0.0.1:0" : uniqueIPCPath()).address
    let server = RPCServer(socket: rep)
    // No "join" is answered before all of them are in the server: they must run concurrently.
    let arrived = Countdown()
    try server.register("join") { (arguments: AddArguments) in
      await arrived.arrive()
      await arrived.wait(for: Self.count)
      return arguments.a + arguments.b
    }
    try server.register("fail") { (_: [String: String]) -> Int in throw Refused() }
    let running = Task { try await server.run() }
    let peer = try NngPeer(script: "rpc_peer.py", arguments: ["client-dial", bound.url, String(Self.count)])
    defer { peer.finish() }
    var results: [Int: String] = [:]
    for _ in 0..<Self.count {
      let parts = try await peer.line("RESULT ").split(separator: " ")
      results[Int(parts[1])!] = String(parts[2])
    }
    #expect(results == Dictionary(uniqueKeysWithValues: (0..<Self.count).map { ($0, "\(2 * $0)") }))
    #expect(
      try await peer.line("ERROR fail ") == "ERROR fail 1 \(String(reflecting: Refused.self)) swift says no")
    #expect(
      try await peer.line("ERROR nope ")
        == "ERROR nope 2 Starling.RPCError no handler is registered for 'nope'")
    #expect(
      try await peer.line("ERROR badargs ").hasPrefix("ERROR badargs 3 Swift.DecodingError expected Int at a")
    )
    #expect(
      try await peer.line("ERROR malformed ")
        == "ERROR malformed 4 Starling.RPCError the method name is 9 bytes long but only 2 bytes follow")
    _ = try await peer.line("DONE")
    rep.close()
    try await running.value
  }

  @Test(arguments: Transport.allCases)
  func starlingClientCallsAnNngServerConcurrently(transport: Transport) async throws {
    let url = transport == .tcp ? "tcp://127.0.0.1:0" : uniqueIPCPath()
    let peer = try NngPeer(script: "rpc_peer.py", arguments: ["server-listen", url, String(Self.count)])
    defer { peer.finish() }
    let target = transport == .tcp ? "tcp://127.0.0.1:\(try await peer.port())" : url
    _ = try await peer.line("READY")
    let req = Req0()
    defer { req.close() }
    try await req.dial(target)
    let client = RPCClient(socket: req)
    // The nng server answers no "join" before it holds all of them.
    let sums = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
      for i in 0..<Self.count {
        group.addTask { (i, try await client.call("join", AddArguments(a: i, b: 1), timeout: .seconds(60))) }
      }
      return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
    }
    #expect(sums == Dictionary(uniqueKeysWithValues: (0..<Self.count).map { ($0, $0 + 1) }))
    _ = try await peer.line("DONE")
    #expect(
      try await client.call("add", AddArguments(a: 40, b: 2), returning: Int.self, timeout: .seconds(60))
        == 42)
    #expect(
      try await client.call(
        "echo", AddArguments(a: 7, b: 8), returning: AddArguments.self, timeout: .seconds(60))
        == AddArguments(a: 7, b: 8))
    await #expect(throws: RPCError.remote(type: "ValueError", message: "python says no")) {
      try await client.call("fail", 1, returning: Int.self, timeout: .seconds(60))
    }
    await #expect(throws: RPCError.unknownMethod("nope")) {
      try await client.call("nope", 1, returning: Int.self, timeout: .seconds(60))
    }
    await #expect(throws: RPCError.badArguments(method: "add", reason: "'b'")) {
      try await client.call("add", ["a": 1], returning: Int.self, timeout: .seconds(60))
    }
    // Python adds two strings: the result is not the Int asked for.
    do {
      _ = try await client.call("add", ["a": "x", "b": "y"], returning: Int.self, timeout: .seconds(60))
      Issue.record("a string result decoded as an Int")
    } catch let RPCError.undecodableResult(method, _) {
      #expect(method == "add")
    }
  }
}
