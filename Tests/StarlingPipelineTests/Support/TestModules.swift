import StarlingChannels

@testable import StarlingPipeline

/// `test.relay`: forwards whatever arrives on `inbox` or `loop` to `outbox` (`loop` lets a test
/// try to close a cycle).
actor Relay: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "test.relay", summary: "Forwards events.", inputs: ["inbox", "loop"], example: "")
  let outbox: PipelineQueue
  init(context: ModuleContext) { outbox = context.output("outbox") }
  func consume(_ event: Event, from queue: String) async throws { try await outbox.send(event) }
}

/// `test.failstart`: refuses to start.
actor FailStart: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "test.failstart", summary: "Fails in willStart.", example: "")
  init(context: ModuleContext) {}
  func willStart() async throws { throw TestFailure(message: "no disk today") }
}

/// `test.lifecycle`: records its hooks in a sink, so tests can check the order of starts and stops.
actor Lifecycle: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "test.lifecycle", summary: "Records willStart and didStop.",
    arguments: [.required("key", .string, "The sink.")], example: "")
  let name: String
  let key: String
  let outbox: PipelineQueue
  init(context: ModuleContext) {
    name = context.name
    key = context.arguments.string("key")!
    outbox = context.output("outbox")
  }
  func willStart() async throws {
    _ = try? Collector.sink(key).trySend(Event(data: .string("start \(name)")))
  }
  func consume(_ event: Event, from queue: String) async throws { try await outbox.send(event) }
  func didStop() async { _ = try? Collector.sink(key).trySend(Event(data: .string("stop \(name)"))) }
}

extension Harness {
  /// The built-in modules, ``Collector`` and the test modules above.
  static let testRegistry: ModuleRegistry = {
    var registry = Harness.registry
    for type: any PipelineModule.Type in [Relay.self, FailStart.self, Lifecycle.self] {
      registry.register(type)
    }
    return registry
  }()
}
