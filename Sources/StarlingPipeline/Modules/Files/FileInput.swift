import Foundation
import Logging
import StarlingSystem

/// `input.file`: one event per line of a file, read once or followed like `tail -f`.
actor FileInput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "input.file",
    summary: "Makes one event per line of a file: read it once, or follow it as it grows (tail -f).",
    discussion: """
      Each line (without its newline) becomes an event whose data is the line as a string, \
      with `header.file.path` and `header.file.line` (its number from 1 in what this module \
      read). `mode: read` reads every line, then the module stops (a pipeline whose inputs \
      are all done drains and exits). `mode: follow` starts at the end of the file (or at \
      its beginning with `from_beginning`) and sends lines as they are appended, checking \
      every `poll_interval`, until the pipeline stops; a line is sent once its newline is \
      written. In follow mode a file that shrinks (truncated) is read again from its start, \
      and a file replaced by a new one at the same path (rotated) is reopened; while the path \
      is missing the module waits for it, logging a warning. A file that cannot be opened \
      when the pipeline starts (missing, unreadable, a directory) stops the start with the \
      reason; a read error stops the module with the cause.
      """,
    arguments: [
      .required("path", .string, "The file to read."),
      ArgumentSpec(
        "mode", .choice(["read", "follow"]), default: "read", "`read` once, or `follow` as it grows."),
      ArgumentSpec(
        "from_beginning", .bool, default: false, "In follow mode, send the lines already there first."),
      ArgumentSpec(
        "poll_interval", .duration, default: 0.25, "In follow mode, how often to look for new lines."),
      ArgumentSpec("max_line", .int, default: 1_048_576, "The longest line in bytes; longer lines are cut."),
    ],
    inputs: [],
    example: """
      access_log:
        module: input.file
        arguments:
          path: /var/log/nginx/access.log
          mode: follow
      """)

  let context: ModuleContext
  let path: String
  let follow: Bool
  let fromBeginning: Bool
  let pollInterval: Duration
  let maximumLength: Int
  let outbox: PipelineQueue
  var descriptor: Int32 = -1
  var number = 0

  init(context: ModuleContext) throws {
    self.context = context
    path = context.arguments.string("path") ?? ""
    follow = context.arguments.string("mode") == "follow"
    fromBeginning = context.arguments.bool("from_beginning") ?? false
    pollInterval = context.arguments.duration("poll_interval") ?? .milliseconds(250)
    maximumLength = context.arguments.int("max_line") ?? 1_048_576
    guard !path.isEmpty else { throw PipelineError.invalidArgument("path must not be empty") }
    guard pollInterval > .zero else {
      throw PipelineError.invalidArgument("poll_interval must be more than 0")
    }
    guard maximumLength >= 1 else {
      throw PipelineError.invalidArgument("max_line must be 1 or more, not \(maximumLength)")
    }
    outbox = context.output("outbox")
  }

  func willStart() async throws {
    let (path, atEnd) = (path, follow && !fromBeginning)
    descriptor = try await ThreadPool.shared.run {
      let descriptor = try FileInput.open(path)
      if atEnd { lseek(descriptor, 0, SEEK_END) }
      return descriptor
    }
  }

  /// Opens a file for reading; throws the reason it cannot be read.
  static func open(_ path: String) throws -> Int32 {
    let descriptor = Foundation.open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw PipelineError.invalidArgument("cannot open \(path): \(String(cString: strerror(errno)))")
    }
    var status = stat()
    if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
      Foundation.close(descriptor)
      throw PipelineError.invalidArgument("cannot read \(path): it is a directory")
    }
    return descriptor
  }

  /// What the file looks like at its end, in follow mode.
  enum Change: Sendable {
    /// Nothing new (or the path is missing: the reason).
    case unchanged(missing: String?)
    /// Replaced by a new file (rotated), opened: the old file's last bytes, and the new one.
    case replaced(rest: [UInt8], descriptor: Int32)
    /// Shrunk (truncated): read again from its start.
    case truncated
  }

  // Every read, stat and open runs on the thread pool: a file on a slow or network disk
  // blocks, and the cooperative pool must not.
  func run() async throws {
    var splitter = LineSplitter(maximumLength: maximumLength)
    var missingReported = false
    while true {
      try Task.checkCancellation()
      let chunk = try await Self.read(descriptor, path: path)
      if !chunk.isEmpty {
        for line in splitter.lines(chunk) { try await send(line) }
        continue
      }
      guard follow else {
        if let last = splitter.finish() { try await send(last) }
        return
      }
      // At the end: wait, then see whether the file grew, shrank or was replaced.
      try await Task.sleep(for: pollInterval)
      switch try await Self.change(of: descriptor, at: path) {
      case .unchanged(let missing):
        if let missing, !missingReported {
          context.log(.warning, "\(path) is gone (\(missing)); waiting for it")
        }
        missingReported = missing != nil
      case .replaced(let rest, let replacement):
        missingReported = false
        // Finish the old file (lines written to it just before the rename), then continue
        // with the new one.
        for line in splitter.lines(rest) { try await send(line) }
        if let last = splitter.finish() { try await send(last) }
        context.log(.info, "\(path) was replaced; reading the new file from its start")
        Foundation.close(descriptor)
        descriptor = replacement
        splitter = LineSplitter(maximumLength: maximumLength)
      case .truncated:
        missingReported = false
        context.log(.info, "\(path) was truncated; reading it again from its start")
        splitter = LineSplitter(maximumLength: maximumLength)
      }
    }
  }

  /// The next bytes of the file (none at its end), read on the thread pool.
  private static func read(_ descriptor: Int32, path: String) async throws -> [UInt8] {
    try await ThreadPool.shared.run {
      var buffer = [UInt8](repeating: 0, count: 65536)
      while true {
        let count = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
        if count >= 0 { return Array(buffer[0..<count]) }
        if errno != EINTR {
          throw PipelineError.invalidArgument("cannot read \(path): \(String(cString: strerror(errno)))")
        }
      }
    }
  }

  /// How the file at `path` differs from the one open, on the thread pool.
  private static func change(of descriptor: Int32, at path: String) async throws -> Change {
    try await ThreadPool.shared.run {
      var open = stat()
      var named = stat()
      guard fstat(descriptor, &open) == 0 else { return .unchanged(missing: nil) }
      if stat(path, &named) != 0 { return .unchanged(missing: String(cString: strerror(errno))) }
      let offset = lseek(descriptor, 0, SEEK_CUR)
      if named.st_ino != open.st_ino || named.st_dev != open.st_dev {
        guard let replacement = try? FileInput.open(path) else { return .unchanged(missing: nil) }
        var rest: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
          let count = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
          guard count > 0 else { break }
          rest += buffer[0..<count]
        }
        return .replaced(rest: rest, descriptor: replacement)
      }
      if open.st_size < offset {
        lseek(descriptor, 0, SEEK_SET)
        return .truncated
      }
      return .unchanged(missing: nil)
    }
  }

  private func send(_ line: String) async throws {
    number += 1
    try await outbox.send(
      Event(data: .string(line), header: ["file": ["path": .string(path), "line": .int(number)]]))
  }

  func didStop() async {
    if descriptor >= 0 { Foundation.close(descriptor) }
    descriptor = -1
  }
}
