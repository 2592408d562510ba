extension ModuleRegistry {
  /// The flow modules (fanout, roundrobin, funnel, switch, filter, count, fresh).
  static let flowModules: [any PipelineModule.Type] = []
}
