import Foundation

/// A pipeline as a config describes it: settings, modules and routes, each with the place it
/// was written. ``load(file:environment:)`` reads one from YAML; build one in code with the
/// initializers. ``Pipeline`` validates it in full before anything runs.
public struct PipelineConfig: Sendable {
  /// The config's path, for messages.
  public var file: String
  /// Settings for the whole pipeline.
  public var settings: PipelineSettings
  /// The modules, in the order the config names them.
  public var modules: [ModuleConfig]
  /// The routes, in the order the config lists them.
  public var routes: [RouteConfig]
  /// Where `starling run` serves its admin HTTP server (`http:`); `nil` for none.
  public var http: AdminServerConfig?
  /// What could not be read from the YAML (an unset `${VAR}`, a malformed route), kept so
  /// that ``Pipeline`` reports these beside every other problem: the parts that could not be
  /// read are left out of the config, and nothing is reported about their absence.
  var readErrors: [ConfigError] = []

  /// A config made in code.
  public init(
    file: String = "<config>", settings: PipelineSettings = PipelineSettings(), modules: [ModuleConfig],
    routes: [RouteConfig]
  ) {
    self.file = file
    self.settings = settings
    self.modules = modules
    self.routes = routes
  }
}

/// Settings for a whole pipeline (`settings:` in YAML).
public struct PipelineSettings: Sendable, Hashable {
  /// How many events each queue holds before its producer waits (`queue_size`, default 100).
  public var queueSize: Int
  /// How often queue statistics go to `_metrics` and swift-metrics (`metrics_interval`,
  /// default 10 s; 0 turns them off).
  public var metricsInterval: Duration
  /// How long a graceful stop may take before the pipeline stops at once (`stop_timeout`,
  /// default 30 s).
  public var stopTimeout: Duration

  /// The queue sizes a pipeline takes.
  public static let queueSizes = 1...1_000_000

  /// The settings a config may give, with their kinds, defaults and bounds (`queue_size` 1 to
  /// 1000000: each queue holds that many events at most).
  public static let arguments: [ArgumentSpec] = [
    ArgumentSpec(
      "queue_size", .int, default: 100,
      in: Double(queueSizes.lowerBound)...Double(queueSizes.upperBound),
      "How many events each queue holds before its producer waits."),
    ArgumentSpec(
      "metrics_interval", .duration, default: 10,
      "How often queue statistics go to `_metrics` and swift-metrics; 0 turns them off."),
    ArgumentSpec(
      "stop_timeout", .duration, default: 30,
      "How long a graceful stop may take before the pipeline stops at once."),
  ]

  /// Settings; each default is what a config that leaves it out gets.
  public init(
    queueSize: Int = 100, metricsInterval: Duration = .seconds(10), stopTimeout: Duration = .seconds(30)
  ) {
    self.queueSize = queueSize
    self.metricsInterval = metricsInterval
    self.stopTimeout = stopTimeout
  }
}

/// One module in a config.
public struct ModuleConfig: Sendable {
  /// Its name, unique in the config.
  public var name: String
  /// Its type (`input.generator`, or a unique short form such as `generator`).
  public var type: String
  /// What the config says it is for.
  public var description: String?
  /// Its arguments as written, each with its place.
  public var arguments: [String: (value: EventValue, location: SourceLocation)]
  /// Where the module is named.
  public var location: SourceLocation
  /// Where its type is written.
  public var typeLocation: SourceLocation
  /// Where each item of a list argument is written, by its path (`operations[2]`), so that a
  /// module can report a problem at the item's own line (``InvalidArguments``).
  var itemLocations: [String: SourceLocation] = [:]
  /// Arguments (and `module` for the type) the config gives but whose value could not be read
  /// (an unset `${VAR}`): they are reported where they are written, and not as missing.
  var unreadable: Set<String> = []

  /// A module made in code.
  public init(name: String, type: String, description: String? = nil, arguments: [String: EventValue] = [:]) {
    let here = SourceLocation(file: "<code>", line: 0, column: 0)
    self.init(
      name: name, type: type, description: description, arguments: arguments.mapValues { ($0, here) },
      location: here, typeLocation: here)
  }

  init(
    name: String, type: String, description: String?,
    arguments: [String: (value: EventValue, location: SourceLocation)], location: SourceLocation,
    typeLocation: SourceLocation
  ) {
    self.name = name
    self.type = type
    self.description = description
    self.arguments = arguments
    self.location = location
    self.typeLocation = typeLocation
  }
}

/// One route: `from -> to`.
public struct RouteConfig: Sendable, Hashable {
  /// The queue events leave.
  public var from: QueueReference
  /// The queue they arrive in.
  public var to: QueueReference
  /// Where the route is written.
  public var location: SourceLocation

  /// A route made in code.
  public init(from: QueueReference, to: QueueReference) {
    self.init(from: from, to: to, location: SourceLocation(file: "<code>", line: 0, column: 0))
  }

  init(from: QueueReference, to: QueueReference, location: SourceLocation) {
    self.from = from
    self.to = to
    self.location = location
  }

  /// Parses `"a.outbox -> b.inbox"`; `nil` if it is not of that form.
  public init?(_ text: String) {
    // Without Foundation: a config of 100,000 routes spent an eighth of its validation in
    // `components(separatedBy:)` and `trimmingCharacters(in:)`.
    guard let arrow = text.firstRange(of: "->"), text[arrow.upperBound...].firstRange(of: "->") == nil,
      let from = QueueReference(text[..<arrow.lowerBound]), let to = QueueReference(text[arrow.upperBound...])
    else { return nil }
    self.init(from: from, to: to)
  }
}
