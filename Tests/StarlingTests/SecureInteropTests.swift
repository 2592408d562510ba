import Foundation
import Testing

@testable import Starling

/// The socket types against real nng (pynng) over tls+tcp, ws and wss, with Starling both
/// dialing and listening. Certificates are throwaway ones made by ``TestCertificates``.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SecureInteropTests {
  enum Transport: String, CaseIterable, Sendable { case tls, ws, wss }
  enum Direction: String, CaseIterable, Sendable { case starlingListens, starlingDials }

  static let matrix: [(Transport, Direction)] = Transport.allCases.flatMap { t in
    Direction.allCases.map { (t, $0) }
  }

  /// Connects `socket` and a fresh nng peer of protocol `peerProtocol`.
  func connect(
    _ socket: some Socket, to peerProtocol: String, _ transport: Transport, _ direction: Direction, count: Int
  ) async throws -> NngPeer {
    let certificates = try await TestCertificates.make()
    let (scheme, path) =
      switch transport {
      case .tls: ("tls+tcp", "")
      case .ws: ("ws", "/sp/\(peerProtocol.lowercased())")
      case .wss: ("wss", "/secure")
      }
    let secure = transport != .ws
    switch direction {
    case .starlingListens:
      if secure { socket.options.tls = certificates.listener() }
      let bound = try await socket.listen("\(scheme)://127.0.0.1:0\(path)").address
      let environment = secure ? certificates.peerDialing() : [:]
      let peer = try NngPeer(peerProtocol, "dial", bound.url, count: count, environment: environment)
      _ = try await peer.line("READY")
      return peer
    case .starlingDials:
      let environment = secure ? certificates.peerListening() : [:]
      let peer = try NngPeer(
        peerProtocol, "listen", "\(scheme)://127.0.0.1:0\(path)", count: count, environment: environment)
      let port = try await peer.port()
      _ = try await peer.line("READY")
      if secure { socket.options.tls = try certificates.dialer() }
      try await socket.dial("\(scheme)://127.0.0.1:\(port)\(path)")
      return peer
    }
  }

  @Test(arguments: matrix)
  func starlingPushToNngPull(transport: Transport, direction: Direction) async throws {
    let push = Push0()
    defer { push.close() }
    let peer = try await connect(push, to: "Pull0", transport, direction, count: 5)
    for i in 0..<5 { try await push.send(Message(string: "s\(i)")) }
    #expect(try await peer.bodies("RECV", count: 5) == ["s0", "s1", "s2", "s3", "s4"])
    peer.finish()
  }

  @Test(arguments: matrix)
  func nngPushToStarlingPull(transport: Transport, direction: Direction) async throws {
    let pull = Pull0()
    defer { pull.close() }
    let peer = try await connect(pull, to: "Push0", transport, direction, count: 5)
    var received: [String] = []
    for _ in 0..<5 { received.append(try await pull.receive().string) }
    #expect(received == ["m0", "m1", "m2", "m3", "m4"])
    peer.finish()
  }

  @Test(arguments: matrix)
  func starlingReqToNngRep(transport: Transport, direction: Direction) async throws {
    let req = Req0()
    defer { req.close() }
    let peer = try await connect(req, to: "Rep0", transport, direction, count: 3)
    for i in 0..<3 {
      #expect(try await req.request(Message(string: "r\(i)")).string == "re:r\(i)")
    }
    #expect(try await peer.bodies("RECV", count: 3) == ["r0", "r1", "r2"])
    peer.finish()
  }

  @Test(arguments: matrix)
  func nngReqToStarlingRep(transport: Transport, direction: Direction) async throws {
    let rep = Rep0()
    defer { rep.close() }
    let peer = try await connect(rep, to: "Req0", transport, direction, count: 3)
    for _ in 0..<3 {
      let request = try await rep.nextRequest()
      #expect(request.message.header.readableBytes == 4)
      try await request.reply(Message(string: "re:" + request.message.string))
    }
    #expect(try await peer.bodies("RECV", count: 3) == ["re:q0", "re:q1", "re:q2"])
    peer.finish()
  }

  @Test(arguments: matrix)
  func pair1BothWays(transport: Transport, direction: Direction) async throws {
    let pair = Pair1()
    defer { pair.close() }
    let peer = try await connect(pair, to: "Pair1", transport, direction, count: 2)
    for word in ["hello", "again"] {
      try await pair.send(Message(string: word))
      let reply = try await pair.receive()
      #expect(reply.string == "re:" + word)
      #expect(Array(reply.header.readableBytesView) == [0, 0, 0, 1], "one hop")
    }
    peer.finish()
  }

  @Test(arguments: matrix)
  func pair0BothWays(transport: Transport, direction: Direction) async throws {
    let pair = Pair0()
    defer { pair.close() }
    let peer = try await connect(pair, to: "Pair0", transport, direction, count: 2)
    for word in ["hello", "again"] {
      try await pair.send(Message(string: word))
      #expect(try await pair.receive().string == "re:" + word)
    }
    peer.finish()
  }

  @Test(arguments: matrix)
  func starlingPubToNngSub(transport: Transport, direction: Direction) async throws {
    let pub = Pub0()
    defer { pub.close() }
    let peer = try await connect(pub, to: "Sub0", transport, direction, count: 3)
    try await eventually("the subscriber is connected") { pub.statistics.pipesOpen == 1 }
    for i in 0..<6 { try await pub.send(Message(string: "\("ab".map(String.init)[i % 2]):\(i)")) }
    #expect(try await peer.bodies("RECV", count: 3) == ["a:0", "a:2", "a:4"])
    peer.finish()
  }

  @Test(arguments: matrix)
  func nngPubToStarlingSub(transport: Transport, direction: Direction) async throws {
    let sub = Sub0()
    defer { sub.close() }
    sub.subscribe("a:")
    let peer = try await connect(sub, to: "Pub0", transport, direction, count: 3)
    var received: [String] = []
    for _ in 0..<3 { received.append(try await sub.receive().string) }
    #expect(received == ["a:0", "a:2", "a:4"])
    peer.finish()
  }

  @Test(arguments: matrix)
  func starlingSurveyorToNngRespondent(transport: Transport, direction: Direction) async throws {
    let surveyor = Surveyor0()
    defer { surveyor.close() }
    let peer = try await connect(surveyor, to: "Respondent0", transport, direction, count: 1)
    try await eventually("the respondent is connected") { surveyor.statistics.pipesOpen == 1 }
    var answers: [String] = []
    for try await answer in try await surveyor.survey("roll call") { answers.append(answer.string) }
    #expect(answers == ["re:roll call"])
    peer.finish()
  }

  @Test(arguments: matrix)
  func nngSurveyorToStarlingRespondent(transport: Transport, direction: Direction) async throws {
    let respondent = Respondent0()
    defer { respondent.close() }
    let peer = try await connect(respondent, to: "Surveyor0", transport, direction, count: 2)
    for _ in 0..<2 {
      let survey = try await respondent.nextSurvey()
      try await survey.reply(Message(string: "re:" + survey.message.string))
    }
    #expect(try await peer.bodies("RECV", count: 2) == ["re:q0", "re:q1"])
    peer.finish()
  }
}
