import Foundation
import Testing

@testable import Starling

/// Contexts against nng's contexts (pynng): many requests and surveys in flight over one
/// connection, answered out of order, in both directions, over tcp, ipc and abstract sockets.
extension InteropTests {
  @Test(arguments: matrix)
  func starlingReqContextsToNngRepContexts(transport: Transport, direction: Direction) async throws {
    let req = Req0()
    defer { req.close() }
    let peer = try await connect(req, to: "Rep0", transport, direction, count: 6, script: "context_peer.py")
    let replies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
      for i in 0..<6 {
        let context = req.makeContext()
        group.addTask { (i, try await context.request(Message(string: "q\(i)")).string) }
      }
      return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
    }
    #expect(replies == Dictionary(uniqueKeysWithValues: (0..<6).map { ($0, "re:q\($0)") }))
    _ = try await peer.line("DONE")
    peer.finish()
  }

  @Test(arguments: matrix)
  func nngReqContextsToStarlingRepContexts(transport: Transport, direction: Direction) async throws {
    let rep = Rep0()
    defer { rep.close() }
    let peer = try await connect(rep, to: "Req0", transport, direction, count: 6, script: "context_peer.py")
    try await answerInReverse(count: 6, rep.makeContext)
    var matched: Set<String> = []
    for _ in 0..<6 { matched.insert(try await peer.line("MATCH ")) }
    #expect(matched == Set((0..<6).map { "MATCH \($0)" }))
    _ = try await peer.line("DONE")
    peer.finish()
  }

  @Test(arguments: matrix)
  func starlingSurveyorContextsToNngRespondentContexts(
    transport: Transport, direction: Direction
  ) async throws {
    let surveyor = Surveyor0()
    defer { surveyor.close() }
    let peer = try await connect(
      surveyor, to: "Respondent0", transport, direction, count: 4, script: "context_peer.py")
    // A survey sent before the respondent's pipe is up goes nowhere.
    for await event in surveyor.pipeEvents() {
      if case .added = event { break }
    }
    let answers = try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
      for i in 0..<4 {
        let context = surveyor.makeContext()
        context.surveyTime = .seconds(5)
        group.addTask {
          let responses = try await context.survey(Message(string: "q\(i)"))
          var answers: [String] = []
          for try await answer in responses {
            answers.append(answer.string)
            break  // one respondent: one answer
          }
          return (i, answers)
        }
      }
      return try await group.reduce(into: [Int: [String]]()) { $0[$1.0] = $1.1 }
    }
    #expect(answers == Dictionary(uniqueKeysWithValues: (0..<4).map { ($0, ["re:q\($0)"]) }))
    _ = try await peer.line("DONE")
    peer.finish()
  }

  @Test(arguments: matrix)
  func nngSurveyorContextsToStarlingRespondentContexts(
    transport: Transport, direction: Direction
  ) async throws {
    let respondent = Respondent0()
    defer { respondent.close() }
    let peer = try await connect(
      respondent, to: "Surveyor0", transport, direction, count: 4, script: "context_peer.py")
    try await answerInReverse(count: 4, respondent.makeContext)
    var matched: Set<String> = []
    for _ in 0..<4 { matched.insert(try await peer.line("MATCH ")) }
    #expect(matched == Set((0..<4).map { "MATCH \($0)" }))
    _ = try await peer.line("DONE")
    peer.finish()
  }
}
