import ArgumentParser
import StarlingPipeline

/// `starling list`: every module type, grouped by kind, with its summary.
struct ListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List the module types a pipeline config can use.",
    discussion: """
      `starling show TYPE` prints a type's arguments and an example. With --json, one JSON \
      array on stdout: {"type", "kind", "summary"} per type, sorted by type.
      """)

  @Flag(help: "Print the types as one JSON array.")
  var json = false

  func run() {
    let descriptors = CommandEnvironment.registry.descriptors
    if json {
      print(String(decoding: JSON.encode(ListCommand.json(descriptors), pretty: true), as: UTF8.self))
    } else {
      print(ListCommand.table(descriptors), terminator: "")
    }
  }

  /// The types as `starling list --json` prints them.
  static func json(_ descriptors: [ModuleDescriptor]) -> EventValue {
    .array(
      descriptors.map {
        ["type": .string($0.type), "kind": .string(kind(of: $0.type)), "summary": .string($0.summary)]
      })
  }

  /// The kinds in the order events meet them; any other kind follows, alphabetically.
  static let kindOrder = ["input", "flow", "process", "output"]

  /// The descriptors grouped by kind (the type's first part), each group under its kind's
  /// name, one `TYPE  SUMMARY` line per type with the summaries aligned.
  static func table(_ descriptors: [ModuleDescriptor]) -> String {
    let groups = Dictionary(grouping: descriptors) { kind(of: $0.type) }
    let kinds =
      kindOrder.filter { groups[$0] != nil }
      + groups.keys.filter { !kindOrder.contains($0) }.sorted()
    let width = descriptors.map(\.type.count).max() ?? 0
    var out = ""
    for (index, kind) in kinds.enumerated() {
      if index > 0 { out += "\n" }
      out += "\(kind)\n"
      for descriptor in groups[kind]!.sorted(by: { $0.type < $1.type }) {
        out += "  " + pad(descriptor.type, to: width) + "  " + descriptor.summary + "\n"
      }
    }
    return out
  }

  /// `input` for `input.generator`.
  static func kind(of type: String) -> String {
    type.split(separator: ".", maxSplits: 1).first.map(String.init) ?? type
  }

  static func pad(_ text: String, to width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
  }
}
