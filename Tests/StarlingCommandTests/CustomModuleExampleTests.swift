import Foundation
import Testing

/// Examples/CustomModule: a `starling` of one's own, made with `StarlingCommand.main(modules:)`,
/// knows its module beside the built-in ones in every subcommand and runs a pipeline with it.
/// (This package builds the example's sources as `CustomModuleExample`; scripts/custom-module.sh
/// builds the example's own package.)
@Suite(.timeLimit(.minutes(5)))
struct CustomModuleExampleTests {
  static let example = Tools.root.appendingPathComponent("Examples/CustomModule")

  static func command(_ arguments: [String]) async throws -> ChildProcess.Outcome {
    try await ChildProcess(Tools.customModuleExamplePath, arguments).finish()
  }

  @Test func itsPipelineRunsWithTheModuleOfItsOwn() async throws {
    let outcome = try await Self.command(["run", Self.example.appendingPathComponent("shout.yaml").path])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stdoutText == "HELLO 1!!!\nHELLO 2!!!\nHELLO 3!!!\n")
  }

  @Test func listAndShowKnowTheModuleBesideTheBuiltInOnes() async throws {
    let list = try await Self.command(["list"])
    #expect(list.status == 0)
    #expect(list.stdoutText.contains("process.shout"))
    #expect(list.stdoutText.contains("input.tcp"))
    let show = try await Self.command(["show", "process.shout"])
    #expect(show.status == 0)
    #expect(show.stdoutText.hasPrefix("process.shout: Upper-cases the text at `path`"), "\(show.stdoutText)")
  }

  @Test func validateChecksTheModuleArgumentsLikeABuiltInOne() async throws {
    let file = try OpsPeer.config(
      """
      modules:
        words:
          module: input.generator
        shout:
          module: process.shout
          arguments:
            marks: 11
      routes:
        - words.outbox -> shout.inbox
      """)
    let outcome = try await Self.command(["validate", file])
    #expect(outcome.status == 1)
    #expect(
      outcome.stderrLines == ["\(file):7:7: error: argument 'marks' of process.shout must be 0 to 10, not 11"]
    )
  }

  @Test func theBuiltInStarlingDoesNotKnowIt() async throws {
    let outcome = try await Tools.starling(["show", "process.shout"]).finish()
    #expect(outcome.status == 1)
    #expect(outcome.stderrLines.first?.hasPrefix("starling: unknown module type 'process.shout'") == true)
  }
}
