extension ModuleRegistry {
  /// The Scalability Protocols socket inputs and outputs, and the reply output.
  static let socketModules: [any PipelineModule.Type] = []
}
