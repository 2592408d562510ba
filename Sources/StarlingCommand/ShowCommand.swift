import ArgumentParser
import StarlingPipeline

/// `starling show TYPE`: one module type's documentation.
struct ShowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Print a module type's documentation: queues, arguments and an example.",
    discussion: """
      TYPE is a full name (input.generator) or a unique short one (generator). With --json, \
      one JSON object: type, summary, discussion, inputs, outputs, accepts_any_input, \
      accepts_any_output, example, and arguments (name, kind, required, default, min, max, \
      summary; durations in seconds).
      """)

  @Argument(help: "The module type, as `starling list` prints it.")
  var type: String

  @Flag(help: "Print the documentation as one JSON object.")
  var json = false

  func run() throws {
    let descriptor = try ShowCommand.descriptor(for: type, in: CommandEnvironment.registry)
    if json {
      print(String(decoding: JSON.encode(ShowCommand.json(descriptor), pretty: true), as: UTF8.self))
    } else {
      print(ShowCommand.render(descriptor), terminator: "")
    }
  }

  /// The page `starling show` prints for a type name.
  ///
  /// - Throws: ``ShowError`` when no type, or more than one, has the name.
  static func page(for name: String, in registry: ModuleRegistry) throws(ShowError) -> String {
    render(try descriptor(for: name, in: registry))
  }

  /// The descriptor of the type a name (full or short) means.
  ///
  /// - Throws: ``ShowError`` when no type, or more than one, has the name.
  static func descriptor(for name: String, in registry: ModuleRegistry) throws(ShowError) -> ModuleDescriptor
  {
    guard let type = registry.lookup(name) else {
      let short = registry.candidates(for: name).filter { $0.hasSuffix("." + name) }
      if short.count > 1 { throw .ambiguous(name, short) }
      throw .unknown(name, registry.candidates(for: name))
    }
    return type.descriptor
  }

  /// The documentation as `starling show --json` prints it.
  static func json(_ descriptor: ModuleDescriptor) -> EventValue {
    let arguments: [EventValue] = descriptor.arguments.map { spec in
      var argument: [String: EventValue] = [
        "name": .string(spec.name), "kind": .string(spec.kind.description),
        "required": .bool(spec.isRequired),
        "default": spec.defaultValue ?? .null, "summary": .string(spec.summary),
      ]
      if let bounds = spec.bounds {
        argument["min"] = .double(bounds.lowerBound)
        argument["max"] = .double(bounds.upperBound)
      }
      return .object(argument)
    }
    return [
      "type": .string(descriptor.type), "summary": .string(descriptor.summary),
      "discussion": .string(descriptor.discussion), "inputs": .array(descriptor.inputs.map { .string($0) }),
      "outputs": .array(descriptor.allOutputs.map { .string($0) }),
      "accepts_any_input": .bool(descriptor.acceptsAnyInput),
      "accepts_any_output": .bool(descriptor.acceptsAnyOutput), "arguments": .array(arguments),
      "example": .string(descriptor.example),
    ]
  }

  // MARK: The page

  /// Summary, discussion, queues, an argument table and the example.
  static func render(_ descriptor: ModuleDescriptor) -> String {
    var out = "\(descriptor.type): \(descriptor.summary)\n"
    if !descriptor.discussion.isEmpty {
      out += "\n"
      for paragraph in descriptor.discussion.split(separator: "\n", omittingEmptySubsequences: false) {
        out += wrap(String(paragraph), width: 88, indent: "  ")
      }
    }
    out += "\nQueues\n"
    out +=
      "  in:   \(queueList(descriptor.inputs, any: descriptor.acceptsAnyInput, none: "none (it makes events)"))\n"
    out +=
      "  out:  \(queueList(descriptor.allOutputs, any: descriptor.acceptsAnyOutput, none: "none (it ends a route)"))\n"
    out += "\nArguments\n"
    if descriptor.arguments.isEmpty {
      out += "  none\n"
    } else {
      let rows =
        [["NAME", "KIND", "DEFAULT", "RANGE", "SUMMARY"]]
        + descriptor.arguments.map {
          [$0.name, $0.kind.description, defaultText($0), $0.boundsDescription ?? "", $0.summary]
        }
      out += table(rows, indent: "  ")
    }
    if !descriptor.example.isEmpty {
      out += "\nExample (under `modules:`)\n"
      for line in descriptor.example.split(separator: "\n", omittingEmptySubsequences: false) {
        out += line.isEmpty ? "\n" : "  \(line)\n"
      }
    }
    return out
  }

  static func queueList(_ queues: [String], any: Bool, none: String) -> String {
    let listed = queues.joined(separator: ", ")
    if any { return listed.isEmpty ? "any name a route gives" : "\(listed), or any name a route gives" }
    return listed.isEmpty ? none : listed
  }

  /// `required`, `none`, or the default: durations with a unit, other values as JSON.
  static func defaultText(_ spec: ArgumentSpec) -> String {
    if spec.isRequired { return "required" }
    guard let value = spec.defaultValue else { return "none" }
    if spec.kind == .duration, let seconds = value.doubleValue { return durationText(seconds) }
    return String(decoding: JSON.encode(value), as: UTF8.self)
  }

  /// `0`, `250ms`, `1s`, `1.5s`, `5m`, `1h`, `1d`.
  static func durationText(_ seconds: Double) -> String {
    ArgumentKind.duration.text(for: seconds)
  }

  /// Rows in aligned columns; the last column is not padded.
  static func table(_ rows: [[String]], indent: String) -> String {
    let columns = rows.map(\.count).max() ?? 0
    var widths = Array(repeating: 0, count: columns)
    for row in rows {
      for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    var out = ""
    for row in rows {
      let cells = row.enumerated().map { index, cell in
        index == row.count - 1 ? cell : ListCommand.pad(cell, to: widths[index])
      }
      out += indent + cells.joined(separator: "  ") + "\n"
    }
    return out
  }

  /// A paragraph as lines of at most `width` characters (longer words stay whole).
  static func wrap(_ paragraph: String, width: Int, indent: String) -> String {
    guard !paragraph.isEmpty else { return "\n" }
    var out = ""
    var line = ""
    for word in paragraph.split(separator: " ") {
      if !line.isEmpty, indent.count + line.count + 1 + word.count > width {
        out += indent + line + "\n"
        line = ""
      }
      line += (line.isEmpty ? "" : " ") + word
    }
    return out + indent + line + "\n"
  }
}

/// Why `starling show` has nothing to print.
enum ShowError: Error, CustomStringConvertible, Equatable {
  /// No type has this name; the types it may have meant.
  case unknown(String, [String])
  /// Several types have this short name.
  case ambiguous(String, [String])

  /// One line for stderr.
  var description: String {
    switch self {
    case .unknown(let name, let suggestions) where suggestions.isEmpty:
      return "unknown module type '\(name)' (`starling list` shows the module types)"
    case .unknown(let name, let suggestions):
      return "unknown module type '\(name)' (did you mean \(suggestions.joined(separator: " or "))?)"
    case .ambiguous(let name, let types):
      return "'\(name)' could be \(types.joined(separator: " or ")); write the full name"
    }
  }
}
