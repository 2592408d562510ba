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
  /// Where a listening input opens its socket: kept open across a reload for the next
  /// pipeline, and shared with other processes under `starling run --instances`
  /// (``ListeningSockets/sharePorts``).
  public let listeners: ListeningSockets
  private let stopSignal: StopSignal
  /// What the module has done, for ``Pipeline/moduleStatistics``.
  let counters = ModuleCounters()
  private let outputs: [String: PipelineQueue]
  private let logs: PipelineQueue
  private let metrics: PipelineQueue

  init(
    name: String, type: String, arguments: ModuleArguments, connectedInputs: [String],
    connectedOutputs: [String], outputs: [String: PipelineQueue], logs: PipelineQueue, metrics: PipelineQueue,
    listeners: ListeningSockets, stopSignal: StopSignal
  ) {
    self.listeners = listeners
    self.stopSignal = stopSignal
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
      metrics: PipelineQueue(unconnected: QueueReference(module: name, queue: "metrics")),
      listeners: ListeningSockets(), stopSignal: StopSignal())
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

  /// Whether the pipeline is stopping at once (``Pipeline/stopNow()``): work still in flight
  /// is to be abandoned.
  public var isStoppingNow: Bool { stopSignal.isFired }

  /// Runs `handler` when the pipeline stops at once (at once if it has): for a module that
  /// keeps work in flight in tasks of its own (which the pipeline does not cancel), to cancel
  /// them.
  public func onStopNow(_ handler: @escaping @Sendable () -> Void) {
    stopSignal.onFire(handler)
  }

  /// Sends an event the module has handled to `success`, if a route takes it. For modules
  /// that complete events themselves (``ModuleDescriptor/completesEvents``); for the others the
  /// pipeline does it when ``PipelineModule/consume(_:from:)`` returns.
  public func succeeded(_ event: Event) async {
    counters.processed()
    let success = output("success")
    if success.isConnected { try? await success.send(event) }
  }

  /// Sends an event the module failed on to `failure`, with the error attached
  /// (``Event/error``) and logged. For modules that complete events themselves
  /// (``ModuleDescriptor/completesEvents``); for the others the pipeline does it when
  /// ``PipelineModule/consume(_:from:)`` throws.
  public func failed(_ event: Event, error: any Error) async {
    counters.failed()
    var event = event
    event.error = EventError(module: name, error: error)
    log(.error, "an event failed: \(error)", metadata: ["event": "\(event.id)"])
    try? await output("failure").send(event)
  }

  /// Sends a log line to the `_logs` funnel as an event: `data` holds `level`, `module` and
  /// `message`, and each `metadata` entry (an event's id, say: keep what changes from one
  /// occurrence to the next out of the message, so that the console can summarise repeats).
  /// Never waits: a full log queue drops the line and counts it.
  public func log(_ level: Logger.Level, _ message: String, metadata: [String: String] = [:]) {
    var data: [String: EventValue] = metadata.mapValues { .string($0) }
    data["level"] = .string(level.rawValue)
    data["module"] = .string(name)
    data["message"] = .string(message)
    logs.offer(Event(data: .object(data)))
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
