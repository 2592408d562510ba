import Logging

/// The `_logs` funnel: every module's `logs` queue feeds it. When a route takes
/// `_logs.outbox`, log events go there like any others; otherwise they are written to the
/// pipeline's logger (the console, for `starling run`).
actor LogFunnel: PipelineModule {
  static let name = "_logs"
  static let descriptor = ModuleDescriptor(
    type: "pipeline.logs",
    summary: "Every module's log events; to the console unless _logs.outbox is routed.",
    example: "routes:\n  - _logs.outbox -> logfile.inbox")

  let context: ModuleContext
  let logger: Logger
  let outbox: PipelineQueue

  init(context: ModuleContext) {
    self.init(context: context, logger: Logger(label: "starling.pipeline"))
  }

  init(context: ModuleContext, logger: Logger) {
    self.context = context
    self.logger = logger
    self.outbox = context.output("outbox")
  }

  func consume(_ event: Event, from queue: String) async throws {
    if outbox.isConnected {
      try await outbox.send(event)
      return
    }
    let level = event["data.level"]?.stringValue.flatMap(Logger.Level.init(rawValue:)) ?? .info
    var metadata: Logger.Metadata = ["module": .string(event["data.module"]?.stringValue ?? "?")]
    for (key, value) in event.data.objectValue ?? [:] where !["level", "module", "message"].contains(key) {
      metadata[key] = .string(value.stringValue ?? value.description)
    }
    logger.log(level: level, "\(event["data.message"]?.stringValue ?? "")", metadata: metadata)
  }
}

/// The `_metrics` funnel: metric events from every module and the pipeline's queue
/// statistics. Dropped unless a route takes `_metrics.outbox`.
actor MetricsFunnel: PipelineModule {
  static let name = "_metrics"
  static let descriptor = ModuleDescriptor(
    type: "pipeline.metrics",
    summary: "Metric events and queue statistics; dropped unless _metrics.outbox is routed.",
    example: "routes:\n  - _metrics.outbox -> graphite.inbox")

  let outbox: PipelineQueue

  init(context: ModuleContext) {
    self.outbox = context.output("outbox")
  }

  func consume(_ event: Event, from queue: String) async throws {
    if outbox.isConnected { try await outbox.send(event) }
  }
}
