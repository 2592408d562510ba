extension ModuleRegistry {
  /// The TCP, UDP and HTTP inputs and outputs.
  static let networkModules: [any PipelineModule.Type] = []
}
