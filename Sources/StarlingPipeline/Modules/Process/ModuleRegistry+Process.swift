extension ModuleRegistry {
  /// The process modules (modify, json, pack, unpack).
  static let processModules: [any PipelineModule.Type] = [
    Modify.self, JSONProcess.self, Pack.self, Unpack.self,
  ]
}
