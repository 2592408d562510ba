extension ModuleRegistry {
  /// The flow modules (fanout, roundrobin, funnel, switch, queueselect, filter, count, fresh).
  static let flowModules: [any PipelineModule.Type] = [
    Fanout.self, RoundRobin.self, Funnel.self, Switch.self, QueueSelect.self, Filter.self, Count.self,
    Fresh.self,
  ]
}
