import Testing

@testable import StarlingPipeline

/// Every built-in module's documented example is a valid entry of a config's `modules:`.
@Suite(.timeLimit(.minutes(5)))
struct ModuleExampleTests {
  @Test(arguments: ModuleRegistry.builtin.descriptors.map(\.type))
  func exampleIsAValidModuleEntry(type: String) throws {
    let descriptor = try #require(ModuleRegistry.builtin.lookup(type)?.descriptor)
    #expect(!descriptor.example.isEmpty)
    #expect(!descriptor.summary.isEmpty)
    #expect(descriptor.arguments.allSatisfy { !$0.summary.isEmpty })
    let indented = descriptor.example.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    let config = try PipelineConfig.parse(yaml: "modules:\n" + indented + "\n", file: type, environment: [:])
    #expect(config.modules.count == 1)
    #expect(ModuleRegistry.builtin.lookup(config.modules[0].type)?.descriptor.type == type)
    // Types and arguments check as a config would; the module itself is not built, since
    // some modules want routes the lone entry does not have.
    let plan = PipelinePlan.make(config, registry: .builtin)
    #expect(plan.errors.isEmpty, "\(type)'s example: \(ConfigErrors(errors: plan.errors))")
  }
}
