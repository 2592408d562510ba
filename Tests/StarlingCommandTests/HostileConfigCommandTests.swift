import Foundation
import Testing

/// `starling validate`, `graph` and `run` on configs written to hurt, as programs under a
/// 512 MB address-space limit (`prlimit --as`): each ends with its error on stderr and status
/// 1, where it used to abort or grow without bound.
@Suite(.timeLimit(.minutes(2)))
struct HostileConfigCommandTests {
  /// Runs `starling ARGUMENTS` with its address space limited to 512 MB — unless the binary is
  /// built with ThreadSanitizer, which needs an unlimited address space and refuses to start
  /// under the limit; then the error and status are still checked, the memory bound is not.
  static func limited(_ arguments: [String]) async throws -> ChildProcess.Outcome {
    if underThreadSanitizer {
      return try await Tools.starling(arguments).finish()
    }
    return try await ChildProcess("/usr/bin/prlimit", ["--as=536870912", Tools.starlingPath] + arguments)
      .finish()
  }

  /// Whether this test binary (and so the `starling` built beside it) runs under ThreadSanitizer.
  static let underThreadSanitizer = dlsym(nil, "__tsan_init") != nil

  @Test func aBillionLaughsConfigFailsFastInLittleMemory() async throws {
    var yaml = "modules:\n  hello:\n    module: input.generator\n    arguments:\n      payload:\n"
    var previous = "a"
    yaml += "        a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
    for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
      yaml +=
        "        \(name): &\(name) [\(Array(repeating: "*" + previous, count: 9).joined(separator: ","))]\n"
      previous = name
    }
    let file = try PipelineCommandTests.config(yaml)
    for command in ["validate", "graph"] {
      let outcome = try await Self.limited([command, file])
      #expect(outcome.status == 1, "\(command): \(outcome.stderr)")
      #expect(
        outcome.stderrLines.first?.hasPrefix("\(file):7:16: error: YAML aliases are not supported in configs")
          == true, "\(command): \(outcome.stderr)")
    }
  }

  @Test func aQueueSizeOfABillionIsAnErrorNotAnAbort() async throws {
    let file = try PipelineCommandTests.config(
      "settings:\n  queue_size: 1e9\nmodules:\n  sink:\n    module: output.null\n")
    for command in ["validate", "graph", "run"] {
      let outcome = try await Self.limited([command, file])
      #expect(outcome.status == 1, "\(command): \(outcome.stderr)")
      #expect(
        outcome.stderrLines.first == "\(file):2:15: error: queue_size must be 1 to 1000000, not 1000000000",
        "\(command): \(outcome.stderr)")
    }
  }

  @Test func validateNamesTheModulesAndLinesOfARouteCycle() async throws {
    let file = try PipelineCommandTests.config(
      """
      modules:
        gen: {module: input.generator}
        merge: {module: flow.funnel}
        copy: {module: flow.fanout}
      routes:
        - gen.outbox -> merge.fresh
        - merge.outbox -> copy.inbox
        - copy.again -> merge.again
      """)
    let outcome = try await Tools.starling(["validate", file]).finish()
    #expect(outcome.status == 1)
    #expect(
      outcome.stderrLines.first?.hasPrefix(
        "\(file):7:5: error: routes form a cycle merge -> copy -> merge (lines 7, 8): events would circle")
        == true, "\(outcome.stderr)")
  }
}
