import Logging

/// What a module is given when the pipeline makes it: its name, arguments and queues.
public struct ModuleContext: Sendable {
  /// The module's name in the config.
  public let name: String
  /// The module's type (`input.generator`).
  public let type: String
  /// The validated arguments.
  public let arguments: ModuleArguments
  /// The input queues routes connect to this module, in the order the config routes them.
  public let connectedInputs: [String]
  /// The output queues routes connect this module to, in the order the config routes them.
  public let connectedOutputs: [String]
  private let outputs: [String: PipelineQueue]
  private let logs: PipelineQueue
  private let metrics: PipelineQueue

  init(
    name: String, type: String, arguments: ModuleArguments, connectedInputs: [String],
    connectedOutputs: [String], outputs: [String: PipelineQueue], logs: PipelineQueue, metrics: PipelineQueue
  ) {
    self.name = name
    self.type = type
    self.arguments = arguments
    self.connectedInputs = connectedInputs
    self.connectedOutputs = connectedOutputs
    self.outputs = outputs
    self.logs = logs
    self.metrics = metrics
  }

  /// A context for a module used on its own (tests, embedding): its outputs go nowhere and
  /// its logs and metrics are dropped.
  public static func standalone(
    name: String, type: String, arguments: ModuleArguments = ModuleArguments()
  )
    -> ModuleContext
  {
    ModuleContext(
      name: name, type: type, arguments: arguments, connectedInputs: [], connectedOutputs: [], outputs: [:],
      logs: PipelineQueue(unconnected: QueueReference(module: name, queue: "logs")),
      metrics: PipelineQueue(unconnected: QueueReference(module: name, queue: "metrics")))
  }

  /// The output queue with this name. A queue no route connects drops what it is sent (and
  /// counts it), so a module can always send.
  public func output(_ queue: String) -> PipelineQueue {
    outputs[queue] ?? PipelineQueue(unconnected: QueueReference(module: name, queue: queue))
  }

  /// Sends an event on an output queue, waiting while it is full (backpressure).
  public func emit(_ event: Event, to queue: String = "outbox") async throws {
    try await output(queue).send(event)
  }

  /// Sends a log line to the `_logs` funnel as an event: `data` holds `level`, `module` and
  /// `message`. Never waits: a full log queue drops the line and counts it.
  public func log(_ level: Logger.Level, _ message: String) {
    logs.offer(
      Event(data: ["level": .string(level.rawValue), "module": .string(name), "message": .string(message)]))
  }

  /// Sends a metric to the `_metrics` funnel as an event: `data` holds `type: "metric"`,
  /// `module`, `name` and `value`. Never waits.
  public func metric(_ metric: String, _ value: Double) {
    metrics.offer(
      Event(data: [
        "type": "metric", "module": .string(name), "name": .string(metric), "value": .double(value),
      ]))
  }
}
