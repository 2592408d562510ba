import Foundation
import Testing

@testable import StarlingPipeline

/// JSONTestSuite (github.com/nst/JSONTestSuite) over the JSON reader: every `y_` case must be
/// accepted and every `n_` case refused; `i_` cases (either is allowed) are counted. Runs only
/// when `JSON_TEST_SUITE` names a copy of the suite: `scripts/json-conformance.sh PATH` sets
/// it. The suite is not part of this repository; JSONReaderTests holds our own cases for each
/// rule it checks.
@Suite struct JSONTestSuiteTests {
  static let suite = ProcessInfo.processInfo.environment["JSON_TEST_SUITE"]

  @Test(.enabled(if: suite != nil, "set JSON_TEST_SUITE to a copy of JSONTestSuite"))
  func parsingCases() throws {
    let folder = URL(fileURLWithPath: try #require(Self.suite)).appendingPathComponent("test_parsing")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
      .filter { $0.hasSuffix(".json") }.sorted()
    var right: [Character: Int] = [:]
    var all: [Character: Int] = [:]
    var wrong: [String] = []
    for name in names {
      let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
      let accepted: Bool
      do {
        _ = try JSON.decode(bytes)
        accepted = true
      } catch {
        accepted = false
      }
      let kind = name.first ?? "?"
      all[kind, default: 0] += 1
      switch (kind, accepted) {
      case ("y", true), ("n", false), ("i", true): right[kind, default: 0] += 1
      case ("y", false), ("n", true): wrong.append("\(name) \(accepted ? "accepted" : "refused")")
      default: break
      }
    }
    for line in wrong { print("JSONTestSuite: wrong: \(line)") }
    let (y, n, i) = (all["y", default: 0], all["n", default: 0], all["i", default: 0])
    print(
      "JSONTestSuite: y_ \(right["y", default: 0]) of \(y) accepted, n_ \(right["n", default: 0]) of \(n) refused;"
        + " i_ \(right["i", default: 0]) accepted, \(i - right["i", default: 0]) refused")
    #expect(y > 0 && n > 0, "no cases in \(folder.path)")
    #expect(wrong.isEmpty, "\(wrong.count) cases wrong: \(wrong)")
  }
}
