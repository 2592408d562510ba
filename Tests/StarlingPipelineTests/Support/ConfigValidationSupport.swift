@testable import StarlingPipeline

/// `test.kinds`: takes the argument kinds no built-in module on this branch has (a choice, lists,
/// a number), so validation of each kind can be tested.
actor KindsModule: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "test.kinds", summary: "Takes one argument of each kind.",
    arguments: [
      ArgumentSpec("mode", .choice(["fast", "safe"]), default: "safe", "A choice."),
      ArgumentSpec("tags", .list(.string), default: [], "A list of strings."),
      ArgumentSpec("ports", .list(.int), default: [], "A list of whole numbers."),
      ArgumentSpec("ratio", .double, default: 1.0, "A number."),
    ],
    example: "")

  let arguments: ModuleArguments

  init(context: ModuleContext) {
    arguments = context.arguments
  }
}

/// Validation with ``KindsModule`` beside the harness's modules.
enum ValidationSupport {
  /// ``Harness/registry`` and `test.kinds`.
  static let registry: ModuleRegistry = {
    var registry = Harness.registry
    registry.register(KindsModule.self)
    return registry
  }()

  /// The config errors a YAML text produces against ``registry`` (empty when it is valid).
  static func errors(_ yaml: String) -> [ConfigError] {
    do {
      _ = try Pipeline(
        config: PipelineConfig.parse(yaml: yaml, file: "test.yaml", environment: [:]), registry: registry)
      return []
    } catch let errors as ConfigErrors {
      return errors.errors
    } catch {
      return [ConfigError("unexpected error \(error)", at: SourceLocation(file: "", line: 0, column: 0))]
    }
  }
}
