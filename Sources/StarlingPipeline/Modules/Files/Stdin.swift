import Foundation

/// `input.stdin`: one event per line of standard input.
actor Stdin: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "input.stdin",
    summary: "Makes one event per line of standard input; stops at the end of input.",
    discussion: """
      Each line (without its newline; a `\\r` before it is dropped too) becomes an event \
      whose data is the line as a string (invalid UTF-8 is replaced), with `header.stdin.line` \
      its number from 1. A last line without a newline is sent at the end of input, and the \
      module stops there, so `echo x | starling run cfg.yaml` processes `x` and exits. Lines \
      longer than `max_line` bytes are cut into pieces. Input is read on a thread of its own \
      and only as fast as the pipeline takes the lines. A read error stops the module with \
      the cause.
      """,
    arguments: [
      ArgumentSpec("max_line", .int, default: 1_048_576, "The longest line in bytes; longer lines are cut.")
    ],
    inputs: [],
    example: """
      lines:
        module: input.stdin
      """)

  let context: ModuleContext
  let outbox: PipelineQueue
  let maximumLength: Int
  var reader: BlockingReader?
  var number = 0

  init(context: ModuleContext) throws {
    self.context = context
    outbox = context.output("outbox")
    maximumLength = context.arguments.int("max_line") ?? 1_048_576
    guard maximumLength >= 1 else {
      throw PipelineError.invalidArgument("max_line must be 1 or more, not \(maximumLength)")
    }
  }

  func run() async throws {
    let reader = BlockingReader(descriptor: 0)
    self.reader = reader
    var splitter = LineSplitter(maximumLength: maximumLength)
    while let chunk = try await reader.next() {
      for line in splitter.lines(chunk) { try await send(line) }
    }
    try Task.checkCancellation()
    if let last = splitter.finish() { try await send(last) }
  }

  private func send(_ line: String) async throws {
    number += 1
    try await outbox.send(Event(data: .string(line), header: ["stdin": ["line": .int(number)]]))
  }

  func didStop() async {
    reader?.close()
  }
}
