import Foundation
import Testing

@testable import Starling

/// ``RPCPeer`` against real nng: `Tests/Interop/rpc_pair_peer.py` speaks the peer frame on
/// pynng's Pair1 (nng 1.11), serving and calling at the same time over one tcp connection.
@Suite(.serialized, .timeLimit(.minutes(5))) struct RPCPeerInteropTests {
  struct AddArguments: Codable, Sendable, Equatable { var a: Int; var b: Int }
  struct Refused: Error, CustomStringConvertible {
    var description: String { "swift says no" }
  }

  static let count = 8

  @Test(arguments: ["listen", "dial"])
  func callsGoBothWaysWithAnNngPeer(starlingSide: String) async throws {
    let pair = Pair1()
    defer { pair.close() }
    let peer = RPCPeer(socket: pair)
    // The Python side's joins are answered only once all of them are in: they are concurrent.
    let arrived = Countdown()
    try peer.register("join") { (arguments: AddArguments) in
      await arrived.arrive()
      await arrived.wait(for: Self.count)
      return arguments.a + arguments.b
    }
    try peer.register("double") { (n: Int) in n * 2 }
    try peer.register("fail") { (_: [String: String]) -> Int in throw Refused() }
    let running = Task { try await peer.run() }

    let python: NngPeer
    if starlingSide == "listen" {
      let bound = try await pair.listen("tcp://127.0.0.1:0").address
      python = try NngPeer(script: "rpc_pair_peer.py", arguments: ["dial", bound.url, String(Self.count)])
    } else {
      python = try NngPeer(
        script: "rpc_pair_peer.py", arguments: ["listen", "tcp://127.0.0.1:0", String(Self.count)])
      try await pair.dial("tcp://127.0.0.1:\(try await python.port())")
    }
    defer { python.finish() }
    _ = try await python.line("READY")

    // Starling calls Python while Python calls Starling; Python's joins also wait for all of ours.
    let sums = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
      for i in 0..<Self.count {
        group.addTask { (i, try await peer.call("join", AddArguments(a: i, b: 100), timeout: .seconds(30))) }
      }
      return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
    }
    #expect(sums == Dictionary(uniqueKeysWithValues: (0..<Self.count).map { ($0, $0 + 100) }))
    // Python's "twice" calls our "double" back while our call waits for it.
    let twice = try await peer.call("twice", 20, returning: Int.self, timeout: .seconds(30))
    #expect(twice == 41)
    await #expect(throws: RPCError.remote(type: "ValueError", message: "python says no")) {
      try await peer.call("fail", 1, returning: Int.self, timeout: .seconds(30))
    }
    await #expect(throws: RPCError.unknownMethod("nope")) {
      try await peer.call("nope", 1, returning: Int.self, timeout: .seconds(30))
    }

    var results: [Int: String] = [:]
    for _ in 0..<Self.count {
      let parts = try await python.line("RESULT ").split(separator: " ")
      results[Int(parts[1])!] = String(parts[2])
    }
    #expect(results == Dictionary(uniqueKeysWithValues: (0..<Self.count).map { ($0, "\(2 * $0)") }))
    #expect(
      try await python.line("ERROR fail ") == "ERROR fail 1 \(String(reflecting: Refused.self)) swift says no"
    )
    #expect(
      try await python.line("ERROR nope ")
        == "ERROR nope 2 Starling.RPCError no handler is registered for 'nope'")
    _ = try await python.line("DONE")
    pair.close()
    try await running.value
  }
}
