import Foundation
import Testing

@testable import Starling

/// Polyamorous pair1 against nng's: one socket, many peers, each message to or from a named pipe.
extension InteropTests {
  static let streamTransports: [Transport] = [.tcp, .ipc]

  @Test(arguments: streamTransports)
  func starlingPolyamorousPairTalksToEachNngPeerByPipe(transport: Transport) async throws {
    let pair = Pair1(polyamorous: true)
    defer { pair.close() }
    let events = pair.pipeEvents()
    let bound = try await pair.listen(transport == .tcp ? "tcp://127.0.0.1:0" : uniqueIPCPath()).address
    let peers = try (0..<2).map { _ in try NngPeer("Pair1", "dial", bound.url, count: 1) }
    for peer in peers { _ = try await peer.line("READY") }
    var pipes: [PipeID] = []
    for await event in events {
      if case .added(let pipe) = event { pipes.append(pipe.id) }
      if pipes.count == 2 { break }
    }
    for pipe in pipes {
      var message = Message(string: "to:\(pipe.rawValue)")
      message.pipe = pipe
      try await pair.send(message)
    }
    var echoes: [PipeID: String] = [:]
    for _ in 0..<2 {
      let echo = try await pair.receive()
      echoes[try #require(echo.pipe)] = echo.string
    }
    #expect(echoes == Dictionary(uniqueKeysWithValues: pipes.map { ($0, "re:to:\($0.rawValue)") }))
    for peer in peers { peer.finish() }
  }

  @Test(arguments: streamTransports)
  func nngPolyamorousPairAnswersEachStarlingPeer(transport: Transport) async throws {
    let url = transport == .tcp ? "tcp://127.0.0.1:0" : uniqueIPCPath()
    let peer = try NngPeer("Pair1poly", "listen", url, count: 2)
    let target = transport == .tcp ? "tcp://127.0.0.1:\(try await peer.port())" : url
    _ = try await peer.line("READY")
    let pairs = [Pair1(), Pair1()]
    defer { for pair in pairs { pair.close() } }
    for (index, pair) in pairs.enumerated() {
      try await pair.dial(target)
      try await pair.send(Message(string: "from \(index)"))
    }
    for (index, pair) in pairs.enumerated() {
      #expect(try await pair.receive().string == "re:from \(index)")
    }
    peer.finish()
  }
}
