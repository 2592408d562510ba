import Foundation
import Testing

/// `validate` over several files with every problem at once, `--json` on validate, list and
/// show, `--version`, counted nouns and `--log-level`.
@Suite(.timeLimit(.minutes(5)))
struct CommandLineTests {
  /// Several mistakes that used to hide one another: an unset variable, a malformed route, two
  /// bad process.modify operations, a type that does not exist.
  static let tangled = """
    modules:
      hook:
        module: output.http
        arguments:
          url: "${HOOK_URL}"
      tidy:
        module: process.modify
        arguments:
          operations:
            - set: {path: id, value: 1}
            - lowercase: data.name
            - shout: data.name
      words:
        module: input.generatr
    routes:
      - words.outbox to tidy.inbox
      - tidy.outbox -> hook.inbox
    """

  @Test func validateReportsEveryProblemOfEveryFileAtOnce() async throws {
    let tangled = try OpsPeer.config(Self.tangled)
    let hello = PipelineCommandTests.hello
    let missing = NSTemporaryDirectory() + "starling-missing-\(UUID().uuidString).yaml"
    let outcome = try await Tools.starling(["validate", tangled, hello, missing]).finish()
    #expect(outcome.status == 1)
    #expect(outcome.stdoutText == "\(hello): ok (2 modules, 1 route)\n")
    #expect(
      outcome.stderrLines == [
        "\(tangled):5:12: error: environment variable HOOK_URL is not set (write ${HOOK_URL:-default} to give a default)",
        "\(tangled):10:11: error: module 'tidy' (process.modify): operations[0] (set): cannot write 'id': only paths under data and header, of at most 64 components",
        "\(tangled):12:11: error: module 'tidy' (process.modify): operations[2]: unknown operation 'shout'; use set, delete, copy, rename, uppercase, lowercase or template",
        "\(tangled):14:13: error: unknown module type 'input.generatr' (did you mean input.generator?)",
        "\(tangled):16:5: error: a route looks like \"a.outbox -> b.inbox\", not 'words.outbox to tidy.inbox'",
        "\(missing): error: no such file",
      ])
  }

  @Test func validateJSONIsOneArrayWithAnEntryPerFile() async throws {
    let tangled = try OpsPeer.config(Self.tangled)
    let hello = PipelineCommandTests.hello
    let outcome = try await Tools.starling(["validate", "--json", hello, tangled]).finish()
    #expect(outcome.status == 1)
    #expect(outcome.stderr.isEmpty)
    let results = try #require(
      try JSONSerialization.jsonObject(with: Data(outcome.stdout)) as? [[String: Any]])
    #expect(results.count == 2)
    #expect(results[0]["file"] as? String == hello)
    #expect(results[0]["valid"] as? Bool == true)
    #expect(results[0]["modules"] as? Int == 2)
    #expect(results[0]["routes"] as? Int == 1)
    #expect(results[1]["valid"] as? Bool == false)
    let errors = try #require(results[1]["errors"] as? [[String: Any]])
    #expect(errors.count == 5)
    #expect(errors[0]["line"] as? Int == 5)
    #expect(errors[0]["column"] as? Int == 12)
    #expect((errors[0]["message"] as? String)?.hasPrefix("environment variable HOOK_URL is not set") == true)
  }

  @Test func validateAllGoodExitsZero() async throws {
    let hello = PipelineCommandTests.hello
    let echo = Tools.root.appendingPathComponent("Examples/Pipelines/tcp-echo.yaml").path
    let outcome = try await Tools.starling(["validate", hello, echo]).finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stdoutText == "\(hello): ok (2 modules, 1 route)\n\(echo): ok (2 modules, 1 route)\n")
  }

  @Test func listJSONHasEveryTypeWithItsKindAndSummary() async throws {
    let outcome = try await Tools.starling(["list", "--json"]).finish()
    #expect(outcome.status == 0)
    let types = try #require(
      try JSONSerialization.jsonObject(with: Data(outcome.stdout)) as? [[String: String]])
    let generator = try #require(types.first { $0["type"] == "input.generator" })
    #expect(generator["kind"] == "input")
    #expect(generator["summary"]?.isEmpty == false)
    #expect(types.map { $0["type"]! } == types.map { $0["type"]! }.sorted())
    #expect(types.contains { $0["type"] == "output.http" })
  }

  @Test func showJSONHasTheArgumentsWithTheirDefaultsAndBounds() async throws {
    let outcome = try await Tools.starling(["show", "--json", "output.http"]).finish()
    #expect(outcome.status == 0)
    let page = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout)) as? [String: Any])
    #expect(page["type"] as? String == "output.http")
    #expect(page["outputs"] as? [String] == ["success", "failure"])
    let arguments = try #require(page["arguments"] as? [[String: Any]])
    let url = try #require(arguments.first { $0["name"] as? String == "url" })
    #expect(url["required"] as? Bool == true)
    let retries = try #require(arguments.first { $0["name"] as? String == "retries" })
    #expect(retries["default"] as? Int == 3)
    #expect(retries["min"] as? Double == 0)
    #expect(retries["max"] as? Double == 1000)
    let unknown = try await Tools.starling(["show", "--json", "output.nothing"]).finish()
    #expect(unknown.status == 1)
    #expect(unknown.stderrLines.first?.hasPrefix("starling: unknown module type 'output.nothing'") == true)
  }

  @Test func versionPrintsTheVersion() async throws {
    let outcome = try await Tools.starling(["--version"]).finish()
    #expect(outcome.status == 0)
    #expect(outcome.stdoutText.wholeMatch(of: /\d+\.\d+\.\d+\n/) != nil, "\(outcome.stdoutText)")
  }

  @Test func runRefusesBadInstanceCountsAsUsage() async throws {
    let outcome = try await Tools.starling(["run", PipelineCommandTests.hello, "--instances", "0"]).finish()
    #expect(outcome.status == 64)
    #expect(
      outcome.stderrLines == ["starling: --instances takes 1 to 1024, not 0 (see 'starling run --help')"])
  }

  @Test func oneRouteIsOneRoute() async throws {
    let file = try OpsPeer.config(
      """
      modules:
        words:
          module: input.generator
        out:
          module: output.null
      routes:
        - words.outbox -> out.inbox
      """)
    let outcome = try await Tools.starling(["validate", file]).finish()
    #expect(outcome.status == 0)
    #expect(outcome.stdoutText == "\(file): ok (2 modules, 1 route)\n")
  }

  @Test func logLevelHidesTheLinesBelowIt() async throws {
    let file = try OpsPeer.config(
      """
      modules:
        words:
          module: input.generator
          arguments:
            count: 2
        out:
          module: output.null
      routes:
        - words.outbox -> out.inbox
      """)
    let usual = try await Tools.starling(["run", file]).finish()
    #expect(usual.status == 0)
    #expect(
      usual.stderrLines.contains { $0.contains(" info starling.pipeline: pipeline started") },
      "\(usual.stderr)")
    let quiet = try await Tools.starling(["run", file, "--log-level", "warning"]).finish()
    #expect(quiet.status == 0)
    #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
    let bad = try await Tools.starling(["run", file, "--log-level", "chatty"]).finish()
    #expect(bad.status == 64)
    #expect(bad.stderrLines.first?.contains("chatty") == true, "\(bad.stderr)")
  }
}
