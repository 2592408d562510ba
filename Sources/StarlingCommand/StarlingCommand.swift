import Foundation
import StarlingPipeline

/// The `starling` command line as a library: `cat`, `bench`, `run`, `validate`, `graph`, `list`
/// and `show`, with the pipeline modules you give beside the built-in ones.
///
/// A package of your own makes its own `starling` (as Benthos plugins do) with an executable
/// target whose `main.swift` is one line:
///
/// ```swift
/// import StarlingCommandLine
///
/// await StarlingCommand.main(modules: [Shout.self])
/// ```
///
/// Its configs can then name `example.shout` like any built-in type, and `list`, `show` and
/// `validate` know it. `Examples/CustomModule` is such a package.
public enum StarlingCommand {
  /// Parses the process's arguments, runs the subcommand they name and exits: 0 on success,
  /// 1 on an error (printed as one line on stderr, or one line per config problem), 64 on a
  /// usage error.
  ///
  /// - Parameter modules: module types to register beside the built-in ones; one with the same
  ///   type name as a built-in module replaces it.
  public static func main(modules: [any PipelineModule.Type] = []) async -> Never {
    var registry = ModuleRegistry.builtin
    for module in modules { registry.register(module) }
    await CommandEnvironment.$registry.withValue(registry) {
      await StarlingCLI.main()
    }
    exit(0)
  }
}
