/// What a module type is: its name, documentation, arguments and queues.
///
/// `starling list` and `starling show` print descriptors; config validation checks
/// arguments and routes against them.
public struct ModuleDescriptor: Sendable {
  /// The type's name as configs write it: `input.generator`, `flow.fanout`, `output.stdout`.
  public var type: String
  /// One line saying what the module does.
  public var summary: String
  /// Longer documentation: behaviour, the events it emits, how it fails.
  public var discussion: String
  /// The arguments it takes.
  public var arguments: [ArgumentSpec]
  /// The input queues it consumes (`["inbox"]` for most; empty for pure inputs).
  public var inputs: [String]
  /// The output queues it emits on, besides `success` and `failure`, which every module that
  /// consumes has.
  public var outputs: [String]
  /// Whether any input queue name is allowed (a funnel takes as many as are routed to it).
  public var acceptsAnyInput: Bool
  /// Whether any output queue name is allowed (fanout, roundrobin and switch send to whatever
  /// queues the routes name).
  public var acceptsAnyOutput: Bool
  /// A YAML snippet of the module in a config's `modules:` section.
  public var example: String
  /// Whether the module sends each event it consumes to `success` or `failure` itself
  /// (``ModuleContext/succeeded(_:)``, ``ModuleContext/failed(_:error:)``), after
  /// ``PipelineModule/consume(_:from:)`` has returned: an output that keeps several events in
  /// flight. The pipeline then routes only the events `consume` throws for, and the module's
  /// ``PipelineModule/run()`` must not return, once cancelled, before every event in flight
  /// is completed (the pipeline closes the module's queues after it).
  public var completesEvents: Bool

  /// Describes a module type.
  public init(
    type: String, summary: String, discussion: String = "", arguments: [ArgumentSpec] = [],
    inputs: [String] = ["inbox"], outputs: [String] = ["outbox"], acceptsAnyInput: Bool = false,
    acceptsAnyOutput: Bool = false, completesEvents: Bool = false, example: String
  ) {
    self.completesEvents = completesEvents
    self.type = type
    self.summary = summary
    self.discussion = discussion
    self.arguments = arguments
    self.inputs = inputs
    self.outputs = outputs
    self.acceptsAnyInput = acceptsAnyInput
    self.acceptsAnyOutput = acceptsAnyOutput
    self.example = example
  }

  /// Every output queue a route may start at: the declared outputs, and `success` and
  /// `failure` for a module that consumes.
  public var allOutputs: [String] {
    outputs + (inputs.isEmpty && !acceptsAnyInput ? [] : ["success", "failure"])
  }

  /// Whether a route may start at this queue.
  public func hasOutput(_ queue: String) -> Bool {
    allOutputs.contains(queue) || (acceptsAnyOutput && !ModuleDescriptor.reservedQueues.contains(queue))
  }

  /// Whether a route may end at this queue.
  public func hasInput(_ queue: String) -> Bool {
    inputs.contains(queue) || (acceptsAnyInput && !ModuleDescriptor.reservedQueues.contains(queue))
  }

  /// Queues every module has that routes cannot name: they feed the `_logs` and `_metrics`
  /// funnels.
  public static let reservedQueues: Set<String> = ["logs", "metrics"]
}
