import Foundation

extension PipelineConfig {
  /// Reads a config from a YAML file.
  ///
  /// `${NAME}` in any value is replaced by the environment variable `NAME`; `${NAME:-text}`
  /// uses `text` when it is unset. The YAML's shape is checked here; when it has problems
  /// (an unset variable, a malformed route, an unknown section), the rest of the config is
  /// checked too, as ``Pipeline`` checks it (module types, arguments, routes), so that one
  /// mistake does not hide the others.
  ///
  /// - Parameters:
  ///   - file: the config's path.
  ///   - environment: the variables `${NAME}` reads.
  ///   - registry: the module types the config may use (for the checks of a config that has
  ///     problems).
  /// - Throws: ``ConfigErrors`` naming each problem's line, in the order of the file; a file
  ///   that cannot be read is one such problem, in plain words.
  public static func load(
    file: String, environment: [String: String] = ProcessInfo.processInfo.environment,
    registry: ModuleRegistry = .builtin
  )
    throws -> PipelineConfig
  {
    let text: String
    do {
      text = try String(contentsOfFile: file, encoding: .utf8)
    } catch {
      throw ConfigErrors(errors: [
        ConfigError(unreadable(file: file, error), at: SourceLocation(file: file, line: 0, column: 0))
      ])
    }
    return try parse(yaml: text, file: file, environment: environment, registry: registry)
  }

  /// Why a config file cannot be read, in plain words.
  static func unreadable(file: String, _ error: any Error) -> String {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
      return "no such file"
    }
    if isDirectory.boolValue { return "this is a directory, not a config file" }
    if !FileManager.default.isReadableFile(atPath: file) {
      return "permission denied: the file cannot be read"
    }
    if (error as NSError).domain == NSCocoaErrorDomain,
      (error as NSError).code == NSFileReadInapplicableStringEncodingError
    {
      return "the file is not UTF-8 text"
    }
    return "cannot read the file: \(error.localizedDescription)"
  }

  /// Reads a config from YAML text; `file` names it in messages. See
  /// ``load(file:environment:registry:)``.
  public static func parse(
    yaml: String, file: String = "<config>",
    environment: [String: String] = ProcessInfo.processInfo.environment,
    registry: ModuleRegistry = .builtin
  ) throws -> PipelineConfig {
    var loader = ConfigLoader(file: file, environment: environment)
    let config = loader.load(yaml)
    guard loader.errors.isEmpty, let config else {
      guard var config else { throw ConfigErrors(sorting: loader.errors) }
      // Check what could be read, as a pipeline would: making one reports the read errors
      // beside its own (so it always throws here).
      config.readErrors = loader.errors
      _ = try Pipeline(config: config, registry: registry)
      throw ConfigErrors(sorting: loader.errors)
    }
    return config
  }
}

/// Turns YAML nodes into a ``PipelineConfig``, collecting every problem.
struct ConfigLoader {
  let file: String
  let environment: [String: String]
  var errors: [ConfigError] = []

  init(file: String, environment: [String: String]) {
    self.file = file
    self.environment = environment
  }

  func location(_ node: YAMLNode?) -> SourceLocation {
    guard let mark = node?.mark else { return SourceLocation(file: file, line: 1, column: 1) }
    return location(mark)
  }

  func location(_ mark: YAMLMark) -> SourceLocation {
    SourceLocation(file: file, line: mark.line, column: mark.column)
  }

  mutating func fail(_ message: String, at node: YAMLNode?) {
    errors.append(ConfigError(message, at: location(node)))
  }

  mutating func load(_ yaml: String) -> PipelineConfig? {
    let root: YAMLNode?
    do {
      root = try YAMLComposer.compose(yaml)
    } catch {
      errors.append(ConfigError(ConfigLoader.message(error), at: location(ConfigLoader.mark(error))))
      return nil
    }
    guard let root, let top = root.mapping else {
      fail("a config is a map with `modules:` and `routes:`", at: root)
      return nil
    }
    var config = PipelineConfig(file: file, modules: [], routes: [])
    var sawModules = false
    var modulesRead = false
    for (keyNode, value) in top {
      let key = keyNode.string ?? ""
      switch key {
      case "modules":
        sawModules = true
        modulesRead = value.mapping != nil
        config.modules = modules(value)
      case "routes":
        config.routes = routes(value)
      case "settings":
        config.settings = settings(value)
      case "http":
        config.http = http(value)
      default:
        fail(
          "unknown section '\(key)' (a config has `settings`, `http`, `modules` and `routes`)", at: keyNode)
      }
    }
    if !sawModules { fail("the config has no `modules:` section", at: root) }
    // Without its modules, nothing else in the config can be checked.
    return modulesRead ? config : nil
  }

  private static func message(_ failure: YAMLComposer.Failure) -> String {
    switch failure {
    case .syntax(let reason, _):
      return "not valid YAML: \(reason)"
    case .alias(let name, _, let count):
      let more = count > 1 ? " (\(count - 1) more aliases follow)" : ""
      return "YAML aliases are not supported in configs (*\(name) here): each alias copies its anchor's "
        + "value, so a few lines can stand for billions of nodes; write the value out instead\(more)"
    case .duplicateKey(let key, _, let path):
      return path == ["modules"]
        ? "module '\(key)' is defined twice" : "'\(key)' is given twice in the same map"
    }
  }

  private static func mark(_ failure: YAMLComposer.Failure) -> YAMLMark {
    switch failure {
    case .syntax(_, let mark), .alias(_, let mark, _), .duplicateKey(_, let mark, _): return mark
    }
  }

  // MARK: Sections

  mutating func settings(_ node: YAMLNode) -> PipelineSettings {
    var settings = PipelineSettings()
    guard let map = node.mapping else {
      fail("`settings` is a map (queue_size, metrics_interval, stop_timeout)", at: node)
      return settings
    }
    for (keyNode, valueNode) in map {
      let key = keyNode.string ?? ""
      guard let value = self.value(valueNode) else { continue }
      guard let spec = PipelineSettings.arguments.first(where: { $0.name == key }) else {
        fail("unknown setting '\(key)' (known: queue_size, metrics_interval, stop_timeout)", at: keyNode)
        continue
      }
      switch spec.check(value) {
      case .success(let checked):
        switch key {
        case "queue_size": settings.queueSize = checked.intValue ?? settings.queueSize
        case "metrics_interval": settings.metricsInterval = ConfigLoader.duration(checked)
        default: settings.stopTimeout = ConfigLoader.duration(checked)
        }
      case .failure(.wrongKind):
        let what = spec.kind == .int ? "a whole number" : "a duration such as 10, 500ms or 2m"
        fail("\(key) must be \(what), not \(value)", at: valueNode)
      case .failure(.outOfRange(let number)):
        fail(
          "\(key) must be \(spec.boundsDescription ?? "in range"), not \(spec.kind.text(for: number))",
          at: valueNode)
      }
    }
    return settings
  }

  /// The `http:` section: `address: HOST:PORT` for `starling run`'s admin server.
  mutating func http(_ node: YAMLNode) -> AdminServerConfig? {
    guard let map = node.mapping else {
      fail(
        "`http` is a map with the admin server's `address` (such as `http: {address: 127.0.0.1:4195}`)",
        at: node)
      return nil
    }
    var config: AdminServerConfig?
    var sawAddress = false
    for (keyNode, valueNode) in map {
      guard keyNode.string == "address" else {
        fail("unknown field '\(keyNode.string ?? "")' in `http` (known: address)", at: keyNode)
        continue
      }
      sawAddress = true
      guard let value = self.value(valueNode) else { continue }
      let text = value.stringValue ?? "\(value)"
      if let problem = AdminServerConfig.problem(with: text) {
        fail("http.address: \(problem)", at: valueNode)
      } else {
        config = AdminServerConfig(address: text, location: location(valueNode))
      }
    }
    if !sawAddress { fail("`http` needs an `address` (HOST:PORT, such as 127.0.0.1:4195)", at: node) }
    return config
  }

  private static func duration(_ seconds: EventValue) -> Duration {
    .nanoseconds(Int64(((seconds.doubleValue ?? 0) * 1e9).rounded()))
  }

  mutating func modules(_ node: YAMLNode) -> [ModuleConfig] {
    guard let map = node.mapping else {
      fail("`modules` is a map from module names to their type and arguments", at: node)
      return []
    }
    var modules: [ModuleConfig] = []
    for (nameNode, body) in map {
      let name = nameNode.string ?? ""
      guard !name.isEmpty, !name.contains("."), !name.contains(" "), !name.contains("->") else {
        fail("'\(name)' is not a module name (use letters, digits, '-' and '_')", at: nameNode)
        continue
      }
      guard let fields = body.mapping else {
        fail("module '\(name)' needs a map with at least `module: TYPE`", at: body)
        continue
      }
      var type: (String, SourceLocation)?
      var description: String?
      var arguments: [String: (value: EventValue, location: SourceLocation)] = [:]
      var itemLocations: [String: SourceLocation] = [:]
      var unreadable: Set<String> = []
      for (fieldNode, valueNode) in fields {
        switch fieldNode.string ?? "" {
        case "module":
          let failures = errors.count
          if let text = scalarText(valueNode) {
            type = (text, location(valueNode))
          } else if errors.count > failures {
            unreadable.insert("module")
            type = ("", location(valueNode))
          } else {
            fail("`module` is a module type such as input.generator", at: valueNode)
          }
        case "description":
          description = scalarText(valueNode)
        case "arguments":
          guard let argumentMap = valueNode.mapping else {
            if !valueNode.isNull {
              fail("`arguments` is a map of argument names to values", at: valueNode)
            }
            continue
          }
          for (argumentNode, argumentValue) in argumentMap {
            let name = argumentNode.string ?? ""
            if let value = value(argumentValue) {
              arguments[name] = (value, location(argumentNode))
              for (index, item) in (argumentValue.sequence ?? []).enumerated() {
                itemLocations["\(name)[\(index)]"] = location(item)
              }
            } else {
              unreadable.insert(name)
            }
          }
        case let other:
          fail(
            "unknown field '\(other)' in module '\(name)' (known: module, description, arguments)",
            at: fieldNode)
        }
      }
      guard let type else {
        fail("module '\(name)' has no `module:` type", at: nameNode)
        continue
      }
      var module = ModuleConfig(
        name: name, type: type.0, description: description, arguments: arguments,
        location: location(nameNode), typeLocation: type.1)
      module.itemLocations = itemLocations
      module.unreadable = unreadable
      modules.append(module)
    }
    return modules
  }

  mutating func routes(_ node: YAMLNode) -> [RouteConfig] {
    if node.isNull { return [] }
    guard let list = node.sequence else {
      fail("`routes` is a list of lines like \"a.outbox -> b.inbox\"", at: node)
      return []
    }
    var routes: [RouteConfig] = []
    for item in list {
      guard let text = scalarText(item), let route = RouteConfig(text) else {
        fail(
          "a route looks like \"a.outbox -> b.inbox\", not \(item.string.map { "'\($0)'" } ?? "this")",
          at: item)
        continue
      }
      routes.append(RouteConfig(from: route.from, to: route.to, location: location(item)))
    }
    return routes
  }

  // MARK: Values

  /// A scalar's text with `${ENV}` replaced.
  mutating func scalarText(_ node: YAMLNode) -> String? {
    guard let text = node.string else { return nil }
    return interpolate(text, at: node)
  }

  /// A node as a value: plain scalars resolve like YAML's core schema (after `${ENV}` is
  /// replaced), quoted scalars stay text.
  mutating func value(_ node: YAMLNode) -> EventValue? {
    switch node {
    case .scalar(let raw, let isPlain, _):
      guard let text = interpolate(raw, at: node) else { return nil }
      return isPlain ? ConfigLoader.resolve(plain: text) : .string(text)
    case .mapping(let pairs, _):
      var map: [String: EventValue] = [:]
      for (key, child) in pairs {
        guard let value = value(child) else { return nil }
        map[key.string ?? ""] = value
      }
      return .object(map)
    case .sequence(let items, _):
      var list: [EventValue] = []
      for child in items {
        guard let value = value(child) else { return nil }
        list.append(value)
      }
      return .array(list)
    }
  }

  static func resolve(plain text: String) -> EventValue {
    switch text {
    case "", "~", "null", "Null", "NULL": return .null
    case "true", "True", "TRUE": return .bool(true)
    case "false", "False", "FALSE": return .bool(false)
    default: break
    }
    if let number = Int(text) { return .int(number) }
    if text.first.map({ $0.isNumber || $0 == "-" || $0 == "." }) == true, let number = Double(text) {
      return .double(number)
    }
    return .string(text)
  }

  /// Replaces `${NAME}` and `${NAME:-default}`; reports an unset variable without a default.
  mutating func interpolate(_ text: String, at node: YAMLNode) -> String? {
    guard text.contains("${") else { return text }
    var out = ""
    var rest = text[...]
    while let start = rest.range(of: "${") {
      out += rest[..<start.lowerBound]
      guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
        fail("unclosed ${ in '\(text)'", at: node)
        return nil
      }
      let body = rest[start.upperBound..<end]
      let name: Substring
      var fallback: Substring?
      if let separator = body.range(of: ":-") {
        name = body[..<separator.lowerBound]
        fallback = body[separator.upperBound...]
      } else {
        name = body
      }
      if let value = environment[String(name)] {
        out += value
      } else if let fallback {
        out += fallback
      } else {
        fail(
          "environment variable \(name) is not set (write ${\(name):-default} to give a default)", at: node)
        return nil
      }
      rest = rest[rest.index(after: end)...]
    }
    return out + rest
  }
}
