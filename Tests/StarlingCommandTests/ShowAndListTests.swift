import StarlingPipeline
import Testing

@testable import StarlingCommandLine

/// `starling show` and `starling list` in-process, against registries made for the test.
@Suite(.timeLimit(.minutes(5)))
struct ShowAndListTests {
  actor InputThing: PipelineModule {
    static let descriptor = ModuleDescriptor(
      type: "input.thing", summary: "An input thing.",
      arguments: [.required("url", .string, "Where to listen.")], inputs: [],
      example: "x:\n  module: input.thing")
    init(context: ModuleContext) {}
  }

  actor OutputThing: PipelineModule {
    static let descriptor = ModuleDescriptor(
      type: "output.thing", summary: "An output thing.",
      arguments: [ArgumentSpec("timeout", .duration, default: 0.25, "How long to wait.")], outputs: [],
      acceptsAnyInput: true, example: "")
    init(context: ModuleContext) {}
  }

  actor Custom: PipelineModule {
    static let descriptor = ModuleDescriptor(type: "custom.tool", summary: "Custom.", example: "")
    init(context: ModuleContext) {}
  }

  static let registry = ModuleRegistry([InputThing.self, OutputThing.self, Custom.self])

  @Test func anAmbiguousShortNameAsksForTheFullOne() {
    #expect(throws: ShowError.ambiguous("thing", ["input.thing", "output.thing"])) {
      try ShowCommand.page(for: "thing", in: Self.registry)
    }
    #expect(
      ShowError.ambiguous("thing", ["input.thing", "output.thing"]).description
        == "'thing' could be input.thing or output.thing; write the full name")
  }

  @Test func requiredArgumentsAnyInputsAndDurations() throws {
    let input = try ShowCommand.page(for: "input.thing", in: Self.registry)
    #expect(input.contains("  url   string  required         Where to listen.\n"))
    let output = try ShowCommand.page(for: "output.thing", in: Self.registry)
    #expect(output.contains("  in:   inbox, or any name a route gives\n"))
    #expect(output.contains("  out:  success, failure\n"))
    #expect(output.contains("  timeout  duration  250ms    0 to 365d  How long to wait.\n"))
    #expect(!output.contains("Example"))
  }

  @Test func durationsPrintWithTheirUnit() {
    #expect(ShowCommand.durationText(0) == "0")
    #expect(ShowCommand.durationText(0.25) == "250ms")
    #expect(ShowCommand.durationText(1.5) == "1.5s")
    #expect(ShowCommand.durationText(300) == "5m")
    #expect(ShowCommand.durationText(7200) == "2h")
    #expect(ShowCommand.durationText(86400 * 365) == "365d")
  }

  @Test func listPutsKindsInOrderAndOthersLast() {
    let table = ListCommand.table(Self.registry.descriptors)
    #expect(
      table == """
        input
          input.thing   An input thing.

        output
          output.thing  An output thing.

        custom
          custom.tool   Custom.

        """)
  }
}
