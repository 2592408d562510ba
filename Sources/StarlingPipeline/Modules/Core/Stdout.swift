import Foundation
import StarlingSystem

/// `output.stdout`: prints events.
actor Stdout: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "output.stdout",
    summary: "Prints each event (or one part of it) on standard output.",
    discussion: """
      `selection` picks what to print: `data` (the default), any dotted path such as \
      `data.user` or `header`, or `event` for the whole event with its id, timestamp and \
      header. Strings print as they are; anything else as JSON, indented when `pretty` is on. \
      `colour` prints the module's name in colour before each line, which helps when \
      several stdout modules share a terminal.
      """,
    arguments: [
      ArgumentSpec("selection", .string, default: "data", "The part of the event to print, or `event`."),
      ArgumentSpec("pretty", .bool, default: false, "Indent JSON over several lines."),
      ArgumentSpec("colour", .bool, default: false, "Prefix each line with the module name, in colour."),
      ArgumentSpec("prefix", .string, default: "", "Text printed before each line."),
    ],
    outputs: [],
    example: """
      console:
        module: output.stdout
        arguments:
          selection: data
          pretty: true
      """)

  let context: ModuleContext
  let selection: String
  let pretty: Bool
  let prefix: String

  init(context: ModuleContext) throws {
    self.context = context
    selection = context.arguments.string("selection") ?? "data"
    pretty = context.arguments.bool("pretty") ?? false
    let text = context.arguments.string("prefix") ?? ""
    prefix = (context.arguments.bool("colour") ?? false) ? "\u{1B}[36m\(context.name)\u{1B}[0m \(text)" : text
    guard selection == "event" || Event.isReadable(selection) else {
      throw PipelineError.invalidArgument(
        "selection '\(selection)' is not `event` or a path under data, header, id, timestamp, ttl or error")
    }
  }

  func consume(_ event: Event, from queue: String) async throws {
    let value = selection == "event" ? event.value : event[selection] ?? .null
    var line = Array(prefix.utf8)
    switch value {
    case .string(let text): line.append(contentsOf: text.utf8)
    case .bytes(let bytes): line.append(contentsOf: bytes)
    default: line.append(contentsOf: JSON.encode(value, pretty: pretty))
    }
    line.append(UInt8(ascii: "\n"))
    // On the thread pool: a terminal or pipe that is not read blocks the write.
    let bytes = line
    try await ThreadPool.shared.run { try StandardOutput.write(bytes) }
  }
}

/// Writes whole lines to file descriptor 1, unbuffered, so lines from several modules never
/// interleave and nothing is lost when the process stops.
enum StandardOutput {
  static func write(_ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let written = Foundation.write(1, buffer.baseAddress! + offset, buffer.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          throw PipelineError.invalidArgument(
            "cannot write to standard output: \(String(cString: strerror(errno)))")
        }
        offset += written
      }
    }
  }
}
