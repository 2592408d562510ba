/// `process.modify`: edits events with a list of operations.
actor Modify: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "process.modify",
    summary: "Edits each event's data and header with a list of operations, applied in order.",
    discussion: """
      Each entry of `operations` is a map with one key, the operation:
        set: {path: P, value: V}        set P to V (any value)
        delete: P                       remove P (nothing happens if it is missing)
        copy: {from: P, to: Q}          copy the value at P to Q
        rename: {from: P, to: Q}        move the value at P to Q
        uppercase: P / lowercase: P     change the case of the text at P
        template: {path: P, template: T} set P to T with each {{path}} filled from the event \
      (strings as they are, other values as JSON, missing paths as nothing)
      Paths are dotted (`data.user.name`, `header.route`); only paths under `data` and \
      `header`, of at most 64 components, can be written, which is checked when the config is \
      loaded, as are the operations' shapes and templates. An event fails (to `failure`, the \
      message naming the path) when copy, rename, uppercase or lowercase finds nothing at its \
      path, or case changes find something other than text; the operations before it are then \
      not kept.
      """,
    arguments: [
      .required("operations", .list(.map), "The operations, each a one-key map, applied in order.")
    ],
    example: """
      tidy:
        module: process.modify
        arguments:
          operations:
            - set: {path: header.source, value: sensors}
            - rename: {from: data.temp, to: data.temperature}
            - uppercase: data.site
            - template: {path: data.summary, template: "{{data.site}}: {{data.temperature}} C"}
            - delete: data.debug
      """)

  enum Operation: Sendable {
    case set(String, EventValue)
    case delete(String)
    case copy(String, String)
    case rename(String, String)
    case uppercase(String)
    case lowercase(String)
    case template(String, Template)
  }

  let outbox: PipelineQueue
  let operations: [Operation]

  init(context: ModuleContext) throws {
    outbox = context.output("outbox")
    let entries = context.arguments.list("operations") ?? []
    guard !entries.isEmpty else {
      throw PipelineError.invalidArgument("operations must list at least one")
    }
    // Every bad operation is reported, each at its own line.
    var parsed: [Operation] = []
    var problems: [InvalidArguments.Problem] = []
    for (index, entry) in entries.enumerated() {
      do {
        parsed.append(try Modify.parse(index: index, entry: entry))
      } catch {
        problems.append(.init(path: "operations[\(index)]", message: "\(error)"))
      }
    }
    guard problems.isEmpty else { throw InvalidArguments(problems) }
    operations = parsed
  }

  static func parse(index: Int, entry: EventValue) throws -> Operation {
    let names = "set, delete, copy, rename, uppercase, lowercase or template"
    guard let map = entry.objectValue, map.count == 1, let (name, body) = map.first else {
      throw PipelineError.invalidArgument("operations[\(index)] must be a map with one key: \(names)")
    }
    func fail(_ reason: String) -> PipelineError {
      PipelineError.invalidArgument("operations[\(index)] (\(name)): \(reason)")
    }
    func writable(_ value: EventValue?, _ what: String) throws -> String {
      guard let path = value?.stringValue else { throw fail("needs `\(what)`, a path") }
      guard Event.isWritable(path) else {
        throw fail(
          "cannot write '\(Event.shown(path))': only paths under data and header, of at most \(Event.maximumPathDepth) components"
        )
      }
      return path
    }
    func readable(_ value: EventValue?, _ what: String) throws -> String {
      guard let path = value?.stringValue else { throw fail("needs `\(what)`, a path") }
      guard Event.isReadable(path) else {
        throw fail("'\(path)' is not a path under data, header, id, timestamp, ttl or error")
      }
      return path
    }
    func keys(_ expected: Set<String>) throws -> [String: EventValue] {
      guard let fields = body.objectValue else {
        throw fail("takes a map with \(expected.sorted().joined(separator: " and "))")
      }
      let unknown = Set(fields.keys).subtracting(expected)
      guard unknown.isEmpty else { throw fail("unknown key(s) \(unknown.sorted().joined(separator: ", "))") }
      return fields
    }
    switch name {
    case "set":
      let fields = try keys(["path", "value"])
      guard let value = fields["value"] else { throw fail("needs `value`") }
      return .set(try writable(fields["path"], "path"), value)
    case "delete":
      return .delete(try writable(body, "path"))
    case "copy", "rename":
      let fields = try keys(["from", "to"])
      let from = try name == "rename" ? writable(fields["from"], "from") : readable(fields["from"], "from")
      let to = try writable(fields["to"], "to")
      return name == "copy" ? .copy(from, to) : .rename(from, to)
    case "uppercase":
      return .uppercase(try writable(body, "path"))
    case "lowercase":
      return .lowercase(try writable(body, "path"))
    case "template":
      let fields = try keys(["path", "template"])
      guard let text = fields["template"]?.stringValue else { throw fail("needs `template`, a text") }
      return .template(try writable(fields["path"], "path"), try Template(text))
    default:
      throw PipelineError.invalidArgument("operations[\(index)]: unknown operation '\(name)'; use \(names)")
    }
  }

  func consume(_ event: Event, from queue: String) async throws {
    var event = event
    for operation in operations { try Modify.apply(operation, to: &event) }
    try await outbox.send(event)
  }

  static func apply(_ operation: Operation, to event: inout Event) throws {
    func existing(_ path: String) throws -> EventValue {
      guard let value = event[path] else { throw ModifyError(message: "nothing at \(path)") }
      return value
    }
    func text(_ path: String) throws -> String {
      let value = try existing(path)
      switch value {
      case .string(let text): return text
      case .bytes(let bytes): return String(decoding: bytes, as: UTF8.self)
      default: throw ModifyError(message: "\(path) is \(value.typeName), not text")
      }
    }
    switch operation {
    case .set(let path, let value): event[path] = value
    case .delete(let path): event[path] = nil
    case .copy(let from, let to): event[to] = try existing(from)
    case .rename(let from, let to):
      let value = try existing(from)
      event[from] = nil
      event[to] = value
    case .uppercase(let path): event[path] = .string(try text(path).uppercased())
    case .lowercase(let path): event[path] = .string(try text(path).lowercased())
    case .template(let path, let template): event[path] = .string(template.render(event))
    }
  }
}

/// Why `process.modify` failed on an event.
struct ModifyError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}
