extension ModuleRegistry {
  /// The file and stdin inputs and the file output.
  static let fileModules: [any PipelineModule.Type] = [Stdin.self, FileInput.self, FileOutput.self]
}
