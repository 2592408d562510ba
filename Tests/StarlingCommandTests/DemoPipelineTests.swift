import Foundation
import Testing

/// `starling run` with no file: the built-in demo of two pipelines joined by a socket.
@Suite(.timeLimit(.minutes(5)))
struct DemoPipelineTests {
  @Test func theDemoPrintsEventsCrossingTheSocketAndStopsOnSIGINT() async throws {
    let demo = try Tools.starling(["run"])
    let banner = try await demo.line(startingWith: "Starling demo:", on: .stderr)
    #expect(banner.contains("push0 -> pull0"))
    let first = try await demo.line(startingWith: "pipeline B received: event 1 from pipeline A", on: .stdout)
    #expect(first == "pipeline B received: event 1 from pipeline A")
    _ = try await demo.line(startingWith: "pipeline B received: event 3 from pipeline A", on: .stdout)
    demo.signal(SIGINT)
    let outcome = try await demo.finish()
    #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
    let lines = String(decoding: outcome.stdout, as: UTF8.self).split(separator: "\n")
    #expect(lines.count >= 3)
    #expect(lines.allSatisfy { $0.hasPrefix("pipeline B received: event ") })
  }
}
