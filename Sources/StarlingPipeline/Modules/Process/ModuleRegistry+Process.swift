extension ModuleRegistry {
  /// The process modules (modify, json, pack, unpack).
  static let processModules: [any PipelineModule.Type] = []
}
