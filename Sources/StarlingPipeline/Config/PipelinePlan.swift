/// A config checked against the module registry: every module's type found and its
/// arguments coerced, every route between queues that exist and used once; and every problem
/// found on the way.
struct PipelinePlan: Sendable {
  struct Node: Sendable {
    let config: ModuleConfig
    let type: any PipelineModule.Type
    let arguments: ModuleArguments
    /// Whether every argument the config gives could be read and checked: only then is the
    /// module made (a module missing an argument the config gives would report its absence).
    let isComplete: Bool
  }

  let settings: PipelineSettings
  /// The modules whose type was found.
  let nodes: [Node]
  /// The routes that passed their checks.
  let routes: [RouteConfig]
  /// Every problem, in the order of the file; the config is good when there is none.
  let errors: [ConfigError]

  /// Names no config may give a module: the funnels every module's logs and metrics feed.
  static let reservedNames: Set<String> = [LogFunnel.name, MetricsFunnel.name]

  /// Checks a config, collecting every problem (those met reading it included).
  static func make(_ config: PipelineConfig, registry: ModuleRegistry) -> PipelinePlan {
    var errors = config.readErrors
    if !PipelineSettings.queueSizes.contains(config.settings.queueSize) {
      let sizes = PipelineSettings.queueSizes
      errors.append(
        ConfigError(
          "queue_size must be \(sizes.lowerBound) to \(sizes.upperBound), not \(config.settings.queueSize)",
          at: SourceLocation(file: config.file, line: 1, column: 1)))
    }
    var nodes: [Node] = []
    var byName: [String: ModuleDescriptor] = [
      LogFunnel.name: LogFunnel.descriptor, MetricsFunnel.name: MetricsFunnel.descriptor,
    ]
    for module in config.modules {
      if reservedNames.contains(module.name) {
        errors.append(
          ConfigError("'\(module.name)' is reserved for the pipeline's own funnel", at: module.location))
        continue
      }
      if byName[module.name] != nil {
        errors.append(ConfigError("module '\(module.name)' is defined twice", at: module.location))
        continue
      }
      // Its type could not be read: that is reported already, and nothing can be checked.
      if module.unreadable.contains("module") { continue }
      guard let type = registry.lookup(module.type) else {
        let candidates = registry.candidates(for: module.type)
        let hint =
          candidates.isEmpty
          ? " (`starling list` shows the module types)"
          : candidates.count > 1 && candidates.allSatisfy({ $0.hasSuffix("." + module.type) })
            ? " (it could be \(candidates.joined(separator: " or ")); write the full name)"
            : " (did you mean \(candidates.joined(separator: " or "))?)"
        errors.append(ConfigError("unknown module type '\(module.type)'\(hint)", at: module.typeLocation))
        continue
      }
      let descriptor = type.descriptor
      byName[module.name] = descriptor
      let problemsBefore = errors.count
      var values: [String: EventValue] = [:]
      let known = Set(descriptor.arguments.map(\.name))
      for (name, given) in module.arguments where !known.contains(name) {
        let list = descriptor.arguments.map(\.name).sorted().joined(separator: ", ")
        errors.append(
          ConfigError(
            "unknown argument '\(name)' for \(descriptor.type) (it takes \(list.isEmpty ? "no arguments" : list))",
            at: given.location))
      }
      for spec in descriptor.arguments {
        guard let given = module.arguments[spec.name] else {
          if module.unreadable.contains(spec.name) {
            continue
          } else if spec.isRequired {
            errors.append(
              ConfigError(
                "module '\(module.name)' (\(descriptor.type)) needs the argument '\(spec.name)': \(spec.summary)",
                at: module.location))
          } else if let fallback = spec.defaultValue {
            values[spec.name] = fallback
          }
          continue
        }
        switch spec.check(given.value) {
        case .success(let value):
          values[spec.name] = value
        case .failure(.wrongKind(let mismatch)):
          errors.append(
            ConfigError(
              "argument '\(spec.name)' of \(descriptor.type) takes \(mismatch.expected), not \(mismatch.found.typeName) \(mismatch.found)",
              at: given.location))
        case .failure(.outOfRange(let number)):
          errors.append(
            ConfigError(
              "argument '\(spec.name)' of \(descriptor.type) must be \(spec.boundsDescription ?? "in range"), not \(spec.kind.text(for: number))",
              at: given.location))
        }
      }
      nodes.append(
        Node(
          config: module, type: type, arguments: ModuleArguments(values),
          isComplete: module.unreadable.isEmpty && errors.count == problemsBefore))
    }

    var sources: [QueueReference: RouteConfig] = [:]
    var targets: [QueueReference: RouteConfig] = [:]
    var accepted: [RouteConfig] = []
    for route in config.routes {
      var valid = true
      for (end, isSource) in [(route.from, true), (route.to, false)] {
        guard let descriptor = byName[end.module] else {
          if !config.modules.contains(where: { $0.name == end.module }) {
            errors.append(
              ConfigError(
                "route names module '\(end.module)', which the config does not define", at: route.location))
          }
          valid = false
          continue
        }
        if ModuleDescriptor.reservedQueues.contains(end.queue) {
          let funnel = end.queue == "logs" ? LogFunnel.name : MetricsFunnel.name
          errors.append(
            ConfigError(
              "\(end) feeds the \(funnel) funnel and cannot be routed; route \(funnel).outbox instead",
              at: route.location))
          valid = false
        } else if isSource ? !descriptor.hasOutput(end.queue) : !descriptor.hasInput(end.queue) {
          let queues = isSource ? descriptor.allOutputs : descriptor.inputs
          let what = isSource ? "output" : "input"
          let list = queues.isEmpty ? "none" : queues.joined(separator: ", ")
          errors.append(
            ConfigError(
              "\(descriptor.type) '\(end.module)' has no \(what) queue '\(end.queue)' (its \(what) queues: \(list))",
              at: route.location))
          valid = false
        }
      }
      if let earlier = sources[route.from] {
        errors.append(
          ConfigError(
            "\(route.from) is already routed (at line \(earlier.location.line)); use flow.fanout or flow.roundrobin to feed several queues",
            at: route.location))
        valid = false
      }
      if let earlier = targets[route.to] {
        errors.append(
          ConfigError(
            "\(route.to) is already fed (at line \(earlier.location.line)); use flow.funnel to merge queues",
            at: route.location))
        valid = false
      }
      if valid {
        sources[route.from] = route
        targets[route.to] = route
        accepted.append(route)
      }
    }
    for cycle in RouteCycles.find(accepted) {
      // A long cycle is named by its first and last modules.
      func shortened(_ items: [String], separator: String) -> String {
        guard items.count > 8 else { return items.joined(separator: separator) }
        return (items.prefix(5) + ["… (\(items.count - 7) more)"] + items.suffix(2)).joined(
          separator: separator)
      }
      let modules = shortened(cycle.map(\.from.module) + [cycle[0].from.module], separator: " -> ")
      let lines = shortened(cycle.map { String($0.location.line) }, separator: ", ")
      errors.append(
        ConfigError(
          "routes form a cycle \(modules) (line\(cycle.count == 1 ? "" : "s") \(lines)): events would circle "
            + "until their TTL runs out, and a stopping pipeline could not drain it; route them out of the loop",
          at: cycle[0].location))
    }

    return PipelinePlan(
      settings: config.settings, nodes: nodes, routes: accepted, errors: ConfigErrors(sorting: errors).errors)
  }
}
