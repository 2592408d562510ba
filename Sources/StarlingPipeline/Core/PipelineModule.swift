/// A pipeline module: an actor that consumes events from its input queues and emits events
/// on its output queues.
///
/// The pipeline makes each module from its ``ModuleContext`` (name, validated arguments,
/// queues), then calls ``willStart()``, runs ``run()`` and delivers every event that arrives
/// on a connected input queue to ``consume(_:from:)``, one at a time per queue. A module that
/// throws from `consume` keeps running: the pipeline sends the event, with the error
/// attached, to the module's `failure` queue; an event `consume` returns from normally goes
/// to `success`. After the pipeline has stopped, it calls ``didStop()``.
///
/// ```swift
/// actor Shout: PipelineModule {
///   static let descriptor = ModuleDescriptor(
///     type: "example.shout", summary: "Upper-cases data.",
///     example: "shout:\n  module: example.shout")
///   let context: ModuleContext
///   init(context: ModuleContext) { self.context = context }
///   func consume(_ event: Event, from queue: String) async throws {
///     var event = event
///     event.data = .string((event.data.stringValue ?? "").uppercased())
///     try await context.emit(event)
///   }
/// }
/// ```
///
/// Initializers must not do I/O (`starling validate` builds every module to check its
/// arguments): open sockets and files in ``willStart()``.
public protocol PipelineModule: Actor {
  /// The module type's name, documentation, arguments and queues.
  static var descriptor: ModuleDescriptor { get }

  /// Makes the module. Throw ``PipelineError/invalidArgument(_:)`` for arguments that are
  /// well-typed but wrong (a bad URL, a condition that does not parse).
  init(context: ModuleContext) throws

  /// Called before anything runs, consumers before their producers: open what the module
  /// needs here. Throwing stops the pipeline before it starts.
  func willStart() async throws

  /// The module's own work, for modules that produce events (inputs, timers). Return when
  /// done, or when the task is cancelled: the pipeline cancels it to stop the module.
  func run() async throws

  /// Handles one event from a connected input queue.
  func consume(_ event: Event, from queue: String) async throws

  /// Called once everything has stopped: close what ``willStart()`` opened.
  func didStop() async
}

extension PipelineModule {
  /// Does nothing.
  public func willStart() async throws {}
  /// Returns at once: the module only reacts to events.
  public func run() async throws {}
  /// Drops the event: the module consumes nothing.
  public func consume(_ event: Event, from queue: String) async throws {}
  /// Does nothing.
  public func didStop() async {}
}
