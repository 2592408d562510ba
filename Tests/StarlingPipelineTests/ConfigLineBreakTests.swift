import Testing

@testable import StarlingPipeline

/// Configs with any of the line breaks libyaml counts (found by the `config` fuzz target): a
/// key given twice in a file whose lines end in a lone "\r" crashed the loader (it counted
/// lines by "\n" only, while the YAML parser's line numbers count "\r", NEL, LS and PS too).
@Suite struct ConfigLineBreakTests {
  @Test(arguments: ["\n", "\r\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"])
  func aKeyGivenTwiceIsAnErrorAtItsSecondLine(_ lineBreak: String) throws {
    let yaml = ["modules:", "  a: {module: input.generator}", "  a: {module: output.null}", ""]
      .joined(separator: lineBreak)
    do {
      _ = try PipelineConfig.parse(yaml: yaml, file: "breaks.yaml")
      Issue.record("a duplicate module was accepted")
    } catch let errors as ConfigErrors {
      let error = try #require(errors.errors.first)
      #expect(error.message == "module 'a' is defined twice", "\(errors)")
      #expect(error.location.line == 3, "\(errors)")
    }
  }

  @Test(arguments: ["\n", "\r\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"])
  func aConfigParsesWhateverItsLineBreaks(_ lineBreak: String) throws {
    let yaml = [
      "modules:", "  gen: {module: input.generator}", "  out: {module: output.null}", "routes:",
      "  - gen.outbox -> out.inbox", "",
    ].joined(separator: lineBreak)
    let config = try PipelineConfig.parse(yaml: yaml)
    #expect(config.modules.map(\.name) == ["gen", "out"])
    #expect(config.routes.map(\.location.line) == [5])
  }
}
