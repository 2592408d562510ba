import Foundation
import Yams

extension PipelineConfig {
  /// Reads a config from a YAML file.
  ///
  /// `${NAME}` in any value is replaced by the environment variable `NAME`; `${NAME:-text}`
  /// uses `text` when it is unset. The YAML's shape is checked here (every problem is
  /// reported, with its line); module types, arguments and routes are checked when a
  /// ``Pipeline`` is made from the config.
  ///
  /// - Throws: ``ConfigErrors`` naming each problem's line; an error from the file system if
  ///   the file cannot be read.
  public static func load(
    file: String, environment: [String: String] = ProcessInfo.processInfo.environment
  )
    throws -> PipelineConfig
  {
    let text: String
    do {
      text = try String(contentsOfFile: file, encoding: .utf8)
    } catch {
      throw ConfigErrors(errors: [
        ConfigError(
          "cannot read the file: \(error.localizedDescription)",
          at: SourceLocation(file: file, line: 1, column: 1))
      ])
    }
    return try parse(yaml: text, file: file, environment: environment)
  }

  /// Reads a config from YAML text; `file` names it in messages.
  public static func parse(
    yaml: String, file: String = "<config>",
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> PipelineConfig {
    var loader = ConfigLoader(file: file, environment: environment)
    let config = loader.load(yaml)
    guard loader.errors.isEmpty, let config else {
      // In the order of the file, as ConfigErrors promises (the loader finds a module's
      // missing type only after its fields).
      throw ConfigErrors(
        errors: loader.errors.sorted {
          ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column)
        })
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

  func location(_ node: Node?) -> SourceLocation {
    guard let mark = node?.mark else { return SourceLocation(file: file, line: 1, column: 1) }
    return SourceLocation(file: file, line: mark.line, column: mark.column)
  }

  mutating func fail(_ message: String, at node: Node?) {
    errors.append(ConfigError(message, at: location(node)))
  }

  mutating func load(_ yaml: String) -> PipelineConfig? {
    let root: Node?
    do {
      root = try Yams.compose(yaml: yaml)
    } catch let error as YamlError {
      errors.append(yamlError(error))
      return nil
    } catch {
      errors.append(
        ConfigError("not valid YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1)))
      return nil
    }
    guard let root, let top = root.mapping else {
      fail("a config is a map with `modules:` and `routes:`", at: root)
      return nil
    }
    var config = PipelineConfig(file: file, modules: [], routes: [])
    var sawModules = false
    for (keyNode, value) in top {
      let key = keyNode.string ?? ""
      switch key {
      case "modules":
        sawModules = true
        config.modules = modules(value)
      case "routes":
        config.routes = routes(value)
      case "settings":
        config.settings = settings(value)
      default:
        fail("unknown section '\(key)' (a config has `settings`, `modules` and `routes`)", at: keyNode)
      }
    }
    if !sawModules { fail("the config has no `modules:` section", at: root) }
    return config
  }

  private func yamlError(_ error: YamlError) -> ConfigError {
    switch error {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
      let reason = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
      return ConfigError(
        "not valid YAML: \(reason)", at: SourceLocation(file: file, line: mark.line, column: mark.column))
    case .duplicatedKeysInMapping(let duplicates, let context):
      return duplicateKeyError(duplicates.first ?? "?", first: context.mark, yaml: context.text)
    default:
      return ConfigError("not valid YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
    }
  }

  /// A key given twice in one map. Yams names where the key is first written; the error
  /// points at its second use (the next line of the same block map that starts with it), and
  /// names a module for a key of the top-level `modules:` map.
  private func duplicateKeyError(_ key: String, first: Mark, yaml: String) -> ConfigError {
    // Lines as libyaml counts them (its marks are what `first` holds): "\n", "\r", "\r\n" (one
    // Character), NEL, LS and PS each end one.
    let lines = yaml.split(omittingEmptySubsequences: false) {
      ["\n", "\r", "\r\n", "\u{85}", "\u{2028}", "\u{2029}"].contains($0)
    }
    let indent = first.column - 1
    func indentation(_ line: Substring) -> Int { line.prefix { $0 == " " }.count }
    func isContent(_ line: Substring) -> Bool {
      let content = line.drop { $0 == " " }
      return !content.isEmpty && !content.hasPrefix("#")
    }
    var location = SourceLocation(file: file, line: first.line, column: first.column)
    for index in min(first.line, lines.count)..<lines.count where isContent(lines[index]) {
      let line = lines[index]
      if indentation(line) < indent { break }
      let body = line.dropFirst(indent)
      if indentation(line) == indent,
        [key, "'\(key)'", "\"\(key)\""].contains(where: { body.hasPrefix($0 + ":") })
      {
        location = SourceLocation(file: file, line: index + 1, column: first.column)
        break
      }
    }
    let owner = lines.prefix(max(0, first.line - 1)).last { isContent($0) && indentation($0) < indent }
    if indent > 0, owner?.hasPrefix("modules:") == true {
      return ConfigError("module '\(key)' is defined twice", at: location)
    }
    return ConfigError("'\(key)' is given twice in the same map", at: location)
  }

  // MARK: Sections

  mutating func settings(_ node: Node) -> PipelineSettings {
    var settings = PipelineSettings()
    guard let map = node.mapping else {
      fail("`settings` is a map (queue_size, metrics_interval, stop_timeout)", at: node)
      return settings
    }
    for (keyNode, valueNode) in map {
      let key = keyNode.string ?? ""
      guard let value = self.value(valueNode) else { continue }
      switch key {
      case "queue_size":
        if let size = value.intValue ?? value.stringValue.flatMap({ Int($0) }), size > 0 {
          settings.queueSize = size
        } else {
          fail("queue_size must be a whole number above 0, not \(value)", at: valueNode)
        }
      case "metrics_interval", "stop_timeout":
        guard case .success(let seconds) = ArgumentKind.duration.coerce(value),
          let seconds = seconds.doubleValue
        else {
          fail("\(key) must be a duration such as 10, 500ms or 2m, not \(value)", at: valueNode)
          continue
        }
        let duration = Duration.nanoseconds(Int64(seconds * 1e9))
        if key == "metrics_interval" {
          settings.metricsInterval = duration
        } else {
          settings.stopTimeout = duration
        }
      default:
        fail("unknown setting '\(key)' (known: queue_size, metrics_interval, stop_timeout)", at: keyNode)
      }
    }
    return settings
  }

  mutating func modules(_ node: Node) -> [ModuleConfig] {
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
      for (fieldNode, valueNode) in fields {
        switch fieldNode.string ?? "" {
        case "module":
          if let text = scalarText(valueNode) {
            type = (text, location(valueNode))
          } else {
            fail("`module` is a module type such as input.generator", at: valueNode)
          }
        case "description":
          description = scalarText(valueNode)
        case "arguments":
          guard let argumentMap = valueNode.mapping else {
            if valueNode.null == nil {
              fail("`arguments` is a map of argument names to values", at: valueNode)
            }
            continue
          }
          for (argumentNode, argumentValue) in argumentMap {
            if let value = value(argumentValue) {
              arguments[argumentNode.string ?? ""] = (value, location(argumentNode))
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
      modules.append(
        ModuleConfig(
          name: name, type: type.0, description: description, arguments: arguments,
          location: location(nameNode),
          typeLocation: type.1))
    }
    return modules
  }

  mutating func routes(_ node: Node) -> [RouteConfig] {
    if node.null != nil { return [] }
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
  mutating func scalarText(_ node: Node) -> String? {
    guard let scalar = node.scalar else { return nil }
    return interpolate(scalar.string, at: node)
  }

  /// A node as a value: plain scalars resolve like YAML's core schema (after `${ENV}` is
  /// replaced), quoted scalars stay text.
  mutating func value(_ node: Node) -> EventValue? {
    switch node {
    case .scalar(let scalar):
      guard let text = interpolate(scalar.string, at: node) else { return nil }
      if scalar.style != .plain { return .string(text) }
      return ConfigLoader.resolve(plain: text)
    case .mapping(let mapping):
      var map: [String: EventValue] = [:]
      for (key, child) in mapping {
        guard let value = value(child) else { return nil }
        map[key.string ?? ""] = value
      }
      return .object(map)
    case .sequence(let sequence):
      var list: [EventValue] = []
      for child in sequence {
        guard let value = value(child) else { return nil }
        list.append(value)
      }
      return .array(list)
    case .alias:
      fail("YAML aliases are not supported in configs", at: node)
      return nil
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
  mutating func interpolate(_ text: String, at node: Node) -> String? {
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
