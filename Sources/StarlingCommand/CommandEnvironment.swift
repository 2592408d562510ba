import StarlingPipeline

/// What ``StarlingCommand/main(modules:)`` gives the subcommands it runs.
enum CommandEnvironment {
  /// The module types configs may use: the built-in ones and those `main(modules:)` was given.
  @TaskLocal static var registry = ModuleRegistry.builtin
}
