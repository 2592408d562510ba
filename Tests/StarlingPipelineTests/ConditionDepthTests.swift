import Foundation
import Testing

@testable import StarlingPipeline

/// Conditions of any length, and nesting with a limit (found fuzzing the `condition` target
/// with long inputs): parsing and evaluating used to recurse once per `and`, `or`, `not` and
/// parenthesis, so a long generated condition overflowed the stack and killed `starling
/// validate`. Each case runs on a thread with a 512 KiB stack, where that recursion overflowed
/// well before 10,000 terms.
@Suite struct ConditionDepthTests {
  static let event = Event(data: ["n": 5, "level": "error"])

  /// Parses and evaluates on a thread with a small stack; nil when the condition is refused.
  static func evaluate(_ text: String) async -> Result<Bool, ConditionError> {
    await withCheckedContinuation { continuation in
      let thread = Thread {
        continuation.resume(
          returning: Result { () throws(ConditionError) in try Condition(text).matches(event) })
      }
      thread.stackSize = 512 * 1024
      thread.start()
    }
  }

  static func chain(_ term: String, _ joiner: String, count: Int = 10_000) -> String {
    Array(repeating: term, count: count).joined(separator: " \(joiner) ")
  }

  @Test func longAndAndOrChainsParseAndEvaluate() async throws {
    #expect(try await Self.evaluate(Self.chain("data.n == 5", "and")).get())
    #expect(try await !Self.evaluate(Self.chain("data.n == 5", "and") + " and data.n == 6").get())
    #expect(try await Self.evaluate(Self.chain("data.n == 6", "or") + " or data.n == 5").get())
    #expect(
      try await !Self.evaluate(Self.chain("data.n == 6 and true or data.level == 'x'", "or", count: 3000))
        .get())
  }

  @Test func nestingUpToTheLimitWorks() async throws {
    let depth = Condition.maximumDepth
    let parentheses =
      String(repeating: "(", count: depth) + "data.n == 5" + String(repeating: ")", count: depth)
    #expect(try await Self.evaluate(parentheses).get())
    let nots = String(repeating: "not ", count: depth) + "data.n == 5"
    #expect(try await Self.evaluate(nots).get() == depth.isMultiple(of: 2))
    let both =
      String(repeating: "not (", count: depth / 2) + "data.n == 5" + String(repeating: ")", count: depth / 2)
    #expect(try await Self.evaluate(both).get() == (depth / 2).isMultiple(of: 2))
  }

  @Test(arguments: [
    String(repeating: "(", count: 33) + "true" + String(repeating: ")", count: 33),
    String(repeating: "not ", count: 33) + "true",
    String(repeating: "not (", count: 17) + "true" + String(repeating: ")", count: 17),
    String(repeating: "(", count: 10_000) + "true" + String(repeating: ")", count: 10_000),
    String(repeating: "not ", count: 10_000) + "true",
  ])
  func deeperNestingIsAClearError(_ text: String) async {
    guard case .failure(let error) = await Self.evaluate(text) else {
      Issue.record("parsed a condition nested past the limit")
      return
    }
    #expect(error.reason == "parentheses and `not` nest more than 32 deep", "\(error.reason)")
    #expect(error.offset < 200)
  }
}
