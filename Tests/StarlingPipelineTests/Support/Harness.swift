import Foundation
import StarlingChannels
import Testing

@testable import StarlingPipeline

/// `test.collect`: hands every event it consumes to the test through a channel named by its
/// `key` argument; `delay` makes it a slow consumer, `fail_when` makes it throw on events whose
/// data equals that value.
actor Collector: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "test.collect", summary: "Hands events to the test.",
    arguments: [
      .required("key", .string, "The sink's name (Harness.sink)."),
      ArgumentSpec("delay", .duration, default: 0, "Time to spend on each event."),
      ArgumentSpec("fail_when", .any, "Throw on events whose data equals this."),
    ],
    outputs: [], acceptsAnyInput: true, example: "")

  private static let sinks = Lock.make([String: Channel<Event>]())

  /// The channel a `test.collect` module with this key fills (made on first use).
  static func sink(_ key: String) -> Channel<Event> {
    sinks.withLock { sinks in
      if let sink = sinks[key] { return sink }
      let sink = Channel<Event>(capacity: 1_000_000)
      sinks[key] = sink
      return sink
    }
  }

  let sink: Channel<Event>
  let delay: Duration
  let failWhen: EventValue?

  init(context: ModuleContext) throws {
    sink = Collector.sink(context.arguments.string("key")!)
    delay = context.arguments.duration("delay") ?? .zero
    failWhen = context.arguments["fail_when"]
  }

  func consume(_ event: Event, from queue: String) async throws {
    if let failWhen, event.data == failWhen { throw TestFailure(message: "refused \(event.data)") }
    var event = event
    event.header["test.queue"] = .string(queue)
    _ = try sink.trySend(event)
    // Slow after handing the event over, so a test can see what a slow consumer holds.
    if delay > .zero { try await Task.sleep(for: delay) }
  }
}

/// The error ``Collector`` throws.
struct TestFailure: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}

/// Building and running pipelines from YAML in tests.
enum Harness {
  /// The built-in modules and ``Collector``.
  static let registry: ModuleRegistry = {
    var registry = ModuleRegistry.builtin
    registry.register(Collector.self)
    return registry
  }()

  /// A unique sink key.
  static func key(_ tag: String = "sink") -> String { "\(tag)-\(UUID().uuidString)" }

  /// A pipeline from YAML text.
  static func pipeline(
    _ yaml: String, environment: [String: String] = [:], registry: ModuleRegistry = Harness.registry
  ) throws -> Pipeline {
    try Pipeline(
      config: PipelineConfig.parse(
        yaml: yaml, file: "test.yaml", environment: environment, registry: registry),
      registry: registry)
  }

  /// The config errors a YAML text produces (empty when it is valid).
  static func errors(
    _ yaml: String, environment: [String: String] = [:], registry: ModuleRegistry = Harness.registry
  ) -> [ConfigError] {
    do {
      _ = try pipeline(yaml, environment: environment, registry: registry)
      return []
    } catch let errors as ConfigErrors {
      return errors.errors
    } catch {
      Issue.record("unexpected error \(error)")
      return []
    }
  }

  /// Receives `count` events from a sink, failing the test if they take longer than
  /// `timeout` in all.
  static func receive(
    _ count: Int, from key: String, timeout: Duration = .seconds(60)
  ) async throws -> [Event] {
    let sink = Collector.sink(key)
    return try await withThrowingTaskGroup(of: [Event].self) { group in
      group.addTask {
        var events: [Event] = []
        while events.count < count, let event = try await sink.receive() { events.append(event) }
        return events
      }
      group.addTask {
        try await Task.sleep(for: timeout)
        throw TestFailure(message: "timed out waiting for \(count) events from \(key)")
      }
      let events = try await group.next()!
      group.cancelAll()
      return events
    }
  }

  /// Runs a pipeline in a task; the caller stops it and awaits the task.
  static func start(_ pipeline: Pipeline) -> Task<Void, any Error> {
    Task { try await pipeline.run() }
  }
}
