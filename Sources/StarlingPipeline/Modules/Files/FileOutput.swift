import Foundation
import StarlingSystem

/// `output.file`: appends one line per event to a file.
actor FileOutput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "output.file",
    summary: "Appends one line per event (or one part of it) to a file.",
    discussion: """
      `selection` picks what to write, as for output.stdout: `data` (the default), any \
      dotted path, or `event` for the whole event. Strings and bytes are written as they \
      are, anything else as one line of JSON; each followed by a newline. The file is \
      opened (created with mode 0644 if missing) for appending when the pipeline starts: a \
      path that cannot be opened (missing directory, no permission) stops the start with \
      the reason. A failed write fails the event (to `failure`) with the cause.
      """,
    arguments: [
      .required("path", .string, "The file to append to."),
      ArgumentSpec("selection", .string, default: "data", "The part of the event to write, or `event`."),
    ],
    outputs: [],
    example: """
      archive:
        module: output.file
        arguments:
          path: /var/log/starling/events.log
          selection: event
      """)

  let path: String
  let selection: String
  var descriptor: Int32 = -1

  init(context: ModuleContext) throws {
    path = context.arguments.string("path") ?? ""
    selection = context.arguments.string("selection") ?? "data"
    guard !path.isEmpty else { throw PipelineError.invalidArgument("path must not be empty") }
    guard selection == "event" || Event.isReadable(selection) else {
      throw PipelineError.invalidArgument(
        "selection '\(selection)' is not `event` or a path under data, header, id, timestamp, ttl or error")
    }
  }

  func willStart() async throws {
    let path = path
    descriptor = try await ThreadPool.shared.run {
      let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
      guard descriptor >= 0 else {
        throw PipelineError.invalidArgument(
          "cannot open \(path) for appending: \(String(cString: strerror(errno)))")
      }
      return descriptor
    }
  }

  func consume(_ event: Event, from queue: String) async throws {
    let value = selection == "event" ? event.value : event[selection] ?? .null
    var line: [UInt8]
    switch value {
    case .string(let text): line = Array(text.utf8)
    case .bytes(let bytes): line = bytes
    default: line = JSON.encode(value)
    }
    line.append(UInt8(ascii: "\n"))
    // One write per line (O_APPEND keeps each at the end), on the thread pool (a disk write
    // blocks); short writes are continued.
    let (descriptor, path, bytes) = (descriptor, path, line)
    try await ThreadPool.shared.run {
      try bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
          let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
          if written < 0 {
            if errno == EINTR { continue }
            throw FileOutputError(message: "cannot write to \(path): \(String(cString: strerror(errno)))")
          }
          offset += written
        }
      }
    }
  }

  func didStop() async {
    if descriptor >= 0 { close(descriptor) }
    descriptor = -1
  }
}

/// Why `output.file` failed on an event.
struct FileOutputError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}
