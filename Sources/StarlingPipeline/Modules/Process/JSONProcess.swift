/// `process.json`: encodes a value to JSON text, or decodes JSON text to a value.
actor JSONProcess: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "process.json",
    summary: "Encodes the value at a path as JSON text, or decodes JSON text into a value.",
    discussion: """
      `mode: decode` reads the text (string or bytes, as UTF-8) at `source`, parses it as \
      JSON and writes the value to `destination`; text that is not JSON fails the event (to \
      `failure`) with a message giving the byte offset and the cause. `mode: encode` writes \
      the value at `source` as a JSON string (compact, or indented with `pretty`) to \
      `destination`. A missing `source` fails the event. `destination` must be under `data` \
      or `header`.
      """,
    arguments: [
      .required("mode", .choice(["encode", "decode"]), "`decode` JSON text into a value, or `encode` one."),
      ArgumentSpec("source", .string, default: "data", "The path to read."),
      ArgumentSpec("destination", .string, default: "data", "The path to write."),
      ArgumentSpec("pretty", .bool, default: false, "Indent encoded JSON over several lines."),
    ],
    example: """
      parse:
        module: process.json
        arguments:
          mode: decode
          source: data
          destination: data
      """)

  let decode: Bool
  let source: String
  let destination: String
  let pretty: Bool
  let outbox: PipelineQueue

  init(context: ModuleContext) throws {
    decode = context.arguments.string("mode") == "decode"
    source = context.arguments.string("source") ?? "data"
    destination = context.arguments.string("destination") ?? "data"
    pretty = context.arguments.bool("pretty") ?? false
    guard Event.isReadable(source) else {
      throw PipelineError.invalidArgument(
        "source '\(source)' is not a path under data, header, id, timestamp, ttl or error")
    }
    guard Event.isWritable(destination) else {
      throw PipelineError.invalidArgument(
        "destination '\(Event.shown(destination))' is not a path under data or header of at most \(Event.maximumPathDepth) components"
      )
    }
    outbox = context.output("outbox")
  }

  func consume(_ event: Event, from queue: String) async throws {
    var event = event
    guard let value = event[source] else { throw JSONProcessError(message: "nothing at \(source)") }
    if decode {
      let bytes: [UInt8]
      switch value {
      case .string(let text): bytes = Array(text.utf8)
      case .bytes(let raw): bytes = raw
      default: throw JSONProcessError(message: "\(source) is \(value.typeName), not JSON text")
      }
      do {
        event[destination] = try JSON.decode(bytes)
      } catch {
        throw JSONProcessError(message: "\(source): \(error)")
      }
    } else {
      event[destination] = .string(String(decoding: JSON.encode(value, pretty: pretty), as: UTF8.self))
    }
    try await outbox.send(event)
  }
}

/// Why `process.json` failed on an event.
struct JSONProcessError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}
