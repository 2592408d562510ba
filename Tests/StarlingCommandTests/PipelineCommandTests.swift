import Foundation
import Testing

/// The pipeline subcommands run as programs: `validate`, `run` (events, a graceful stop, a stop
/// at once), `graph`, `list` and `show`, and their errors.
@Suite(.timeLimit(.minutes(5)))
struct PipelineCommandTests {
  static let hello = Tools.root.appendingPathComponent("Examples/Pipelines/hello.yaml").path

  /// Writes a config into a fresh temporary directory and returns its path.
  static func config(_ yaml: String, name: String = "pipeline.yaml") throws -> String {
    let directory = URL(fileURLWithPath: NSTemporaryDirectory())
      .appendingPathComponent("starling-pipeline-\(UUID().uuidString.prefix(12))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let file = directory.appendingPathComponent(name).path
    try yaml.write(toFile: file, atomically: true, encoding: .utf8)
    return file
  }

  /// A config with three mistakes: a misspelt type, a bool that is not, a route to nowhere.
  static let broken = """
    modules:
      hello:
        module: input.generatr
      console:
        module: output.stdout
        arguments:
          pretty: maybe
    routes:
      - hello.outbox -> consol.inbox
    """

  static func brokenErrors(_ file: String) -> [String] {
    [
      "\(file):3:13: error: unknown module type 'input.generatr' (did you mean input.generator?)",
      "\(file):7:7: error: argument 'pretty' of output.stdout takes bool, not string maybe",
      "\(file):9:5: error: route names module 'consol', which the config does not define",
    ]
  }

  // MARK: validate

  @Test func validateAcceptsHello() async throws {
    let outcome = try await Tools.starling(["validate", Self.hello]).finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stdoutText == "\(Self.hello): ok (2 modules, 1 route)\n")
    #expect(outcome.stderr.isEmpty)
  }

  @Test func validatePrintsEveryErrorWithItsLineAndFails() async throws {
    let file = try Self.config(Self.broken)
    let outcome = try await Tools.starling(["validate", file]).finish()
    #expect(outcome.status == 1)
    #expect(outcome.stderrLines == Self.brokenErrors(file))
    #expect(outcome.stdout.isEmpty)
  }

  // MARK: run

  @Test func runPrintsEventsAndStopsGracefullyOnSIGINT() async throws {
    let run = try Tools.starling(["run", Self.hello])
    _ = try await run.line(startingWith: "hello world 1", on: .stdout)
    _ = try await run.line(startingWith: "hello world 2", on: .stdout)
    run.signal(SIGINT)
    let outcome = try await run.finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let printed = outcome.stdoutText.split(separator: "\n").map(String.init)
    #expect(printed.count >= 2)
    #expect(printed == (1...printed.count).map { "hello world \($0)" })
    #expect(outcome.stderr.contains("pipeline started"))
    #expect(outcome.stderr.contains("SIGINT: stopping gracefully"))
    #expect(outcome.stderrLines.last?.hasSuffix("pipeline stopped") == true, "\(outcome.stderr)")
  }

  /// The signals are trapped before anything starts: a SIGINT sent the moment the pipeline says
  /// it started stops it gracefully. (The trap used to be installed by a task that could run
  /// after the start, and such a SIGINT ended the process with the signal's default action.)
  @Test func aSIGINTAsSoonAsThePipelineStartsStopsItGracefully() async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<6 {
        group.addTask {
          let run = try Tools.starling(["run", Self.hello])
          _ = try await run.line(containing: "pipeline started")
          run.signal(SIGINT)
          let outcome = try await run.finish()
          #expect(outcome.status == 0, "\(outcome.stderr)")
          #expect(outcome.stderr.contains("SIGINT: stopping gracefully"), "\(outcome.stderr)")
        }
      }
      try await group.waitForAll()
    }
  }

  /// A graceful stop that cannot finish: output.stdout writes into a pipe nobody reads (the
  /// first 256 KiB line already fills it), so its write blocks while 19 more events wait in
  /// its queue, and `stop_timeout` is an hour. A second SIGINT stops at once: once the test
  /// reads the pipe, the blocked line completes, and the events still queued are dropped
  /// instead of printed.
  @Test func secondSIGINTStopsAtOnceWhileAGracefulStopIsDraining() async throws {
    let line = String(repeating: "x", count: 256 * 1024)
    let file = try Self.config(
      """
      settings: {stop_timeout: 1h, queue_size: 100}
      modules:
        flood:
          module: input.generator
          arguments: {interval: 0, count: 20, payload: \(line)}
        console:
          module: output.stdout
      routes:
        - flood.outbox -> console.inbox
      """)
    let run = try ChildProcess(Tools.starlingPath, ["run", file], holdStdout: true)
    try await run.waitForOutput()  // console is writing its first line, and blocked
    run.signal(SIGINT)
    _ = try await run.line(containing: "SIGINT: stopping gracefully")
    run.signal(SIGINT)
    _ = try await run.line(containing: "SIGINT again: stopping at once")
    let output = await run.readOutput()
    let outcome = try await run.finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stderr.contains("pipeline stopped"))
    #expect(!outcome.stderr.contains("graceful stop took longer"))
    let printed = output.split(separator: UInt8(ascii: "\n"))
    #expect(printed.count >= 1)
    #expect(printed.allSatisfy { $0.count == line.utf8.count })
    #expect(printed.count < 20, "a stop at once printed every queued event")
  }

  /// output.stdout and output.file write on StarlingSystem's ThreadPool, never on Swift's
  /// cooperative pool (which a blocked write would take a thread from): both write 256 KiB
  /// lines into pipes nobody reads (standard output, and a FIFO whose reader never reads), and
  /// the threads that /proc shows blocked in write(2) on those descriptors are the pool's
  /// (SwiftNIO's NIOThreadPool names them TP-#n).
  @Test func blockedStdoutAndFileWritesHoldThreadPoolThreads() async throws {
    let file = try Self.config("placeholder")
    let fifo = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("fifo").path
    #expect(mkfifo(fifo, 0o600) == 0)
    // Opened for reading and never read: output.file's open succeeds at once, its writes fill
    // the FIFO and block.
    let reader = open(fifo, O_RDONLY | O_NONBLOCK)
    #expect(reader >= 0)
    defer { close(reader) }
    let line = String(repeating: "x", count: 256 * 1024)
    try """
    modules:
      flood: {module: input.generator, arguments: {interval: 0, count: 20, payload: \(line)}}
      spill: {module: input.generator, arguments: {interval: 0, count: 20, payload: \(line)}}
      console: {module: output.stdout}
      archive: {module: output.file, arguments: {path: "\(fifo)"}}
    routes:
      - flood.outbox -> console.inbox
      - spill.outbox -> archive.inbox
    """.write(toFile: file, atomically: true, encoding: .utf8)
    let run = try ChildProcess(Tools.starlingPath, ["run", file], holdStdout: true)
    let process = "/proc/\(run.processIdentifier)"
    var writers: [Int32: String] = [:]
    var fifoDescriptor: Int32?
    let deadline = ContinuousClock.now + .seconds(60)  // a safety net
    while ContinuousClock.now < deadline {
      fifoDescriptor = Self.descriptors(of: process).first { $0.target == fifo }?.descriptor
      writers = Self.threadsBlockedInWrite(process)
      if let fifoDescriptor, writers[1] != nil, writers[fifoDescriptor] != nil { break }
      try await Task.sleep(for: .milliseconds(20))
    }
    run.signal(SIGKILL)
    _ = try await run.finish()
    #expect(writers[1]?.hasPrefix("TP-#") == true, "output.stdout's write: \(writers)")
    #expect(writers[fifoDescriptor ?? -1]?.hasPrefix("TP-#") == true, "output.file's write: \(writers)")
  }

  /// The open descriptors of a process (`/proc/PID`) and what each refers to.
  static func descriptors(of process: String) -> [(descriptor: Int32, target: String)] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "\(process)/fd")) ?? []
    return entries.compactMap { entry in
      guard let descriptor = Int32(entry),
        let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(process)/fd/\(entry)")
      else { return nil }
      return (descriptor, target)
    }
  }

  /// The threads of a process (`/proc/PID`) blocked in write(2): each one's descriptor and
  /// thread name.
  static func threadsBlockedInWrite(_ process: String) -> [Int32: String] {
    #if arch(x86_64)
    let write = "1"
    #else
    let write = "64"  // arm64
    #endif
    var writers: [Int32: String] = [:]
    for thread in (try? FileManager.default.contentsOfDirectory(atPath: "\(process)/task")) ?? [] {
      let directory = "\(process)/task/\(thread)"
      // "NUMBER ARG1 ARG2 …" while the thread is in a system call; ARG1 is write's descriptor.
      guard let call = try? String(contentsOfFile: "\(directory)/syscall", encoding: .utf8),
        case let fields = call.split(separator: " "), fields.count > 1, fields[0] == write,
        let descriptor = Int32(fields[1].dropFirst(2), radix: 16),
        let name = try? String(contentsOfFile: "\(directory)/comm", encoding: .utf8)
      else { continue }
      writers[descriptor] = name.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    return writers
  }

  @Test func runOnAMissingFileSaysSoPlainly() async throws {
    let missing = NSTemporaryDirectory() + "starling-missing-\(UUID().uuidString).yaml"
    let outcome = try await Tools.starling(["run", missing]).finish()
    #expect(outcome.status == 1)
    #expect(outcome.stderrLines == ["\(missing): error: no such file"], "\(outcome.stderr)")
    #expect(outcome.stdout.isEmpty)
  }

  // MARK: graph

  /// A config with a funnel route, so the graph has three nodes and two edges.
  static let wired = """
    modules:
      hello:
        module: generator
      console:
        module: output.stdout
      logfile:
        module: output.null
    routes:
      - hello.outbox -> console.inbox
      - _logs.outbox -> logfile.inbox
    """

  @Test func graphPrintsDOT() async throws {
    let outcome = try await Tools.starling(["graph", try Self.config(Self.wired)]).finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let dot = outcome.stdoutText
    #expect(dot.hasPrefix("digraph pipeline {\n"))
    #expect(dot.hasSuffix("}\n"))
    // Nodes: `"name" [label="name\ntype"...];`, edges: `"a" -> "b" [label="q → q"];`.
    var nodes: [String: String] = [:]
    var edges: [String] = []
    for line in dot.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
      if let edge = line.firstMatch(of: #/^"([^"]+)" -> "([^"]+)" \[label="([^"]+)"\];$/#) {
        edges.append("\(edge.1) -> \(edge.2): \(edge.3)")
      } else if let node = line.firstMatch(of: #/^"([^"]+)" \[label="([^"\\]+)\\n([^"]+)"/#) {
        #expect(node.1 == node.2)
        nodes[String(node.1)] = String(node.3)
      }
    }
    #expect(
      nodes == [
        "hello": "input.generator", "console": "output.stdout", "logfile": "output.null",
        "_logs": "pipeline.logs",
      ])
    #expect(edges == ["hello -> console: outbox → inbox", "_logs -> logfile: outbox → inbox"])
  }

  @Test func graphPrintsMermaid() async throws {
    let outcome = try await Tools.starling(["graph", "--format", "mermaid", try Self.config(Self.wired)])
      .finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let lines = outcome.stdoutText.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    #expect(lines.first == "flowchart LR")
    var nodes: [String: String] = [:]
    var edges: [String] = []
    for line in lines.dropFirst() {
      if let edge = line.firstMatch(of: #/^(m\d+) -->\|"([^"]+)"\| (m\d+)$/#) {
        edges.append("\(edge.1) -> \(edge.3): \(edge.2)")
      } else if let node = line.firstMatch(of: #/^(m\d+)\(\[?"([^"<]+)<br/>([^"]+)"\]?\)$/#) {
        nodes[String(node.1)] = "\(node.2) \(node.3)"
      } else {
        Issue.record("unexpected Mermaid line: \(line)")
      }
    }
    #expect(
      nodes == [
        "m0": "hello input.generator", "m1": "console output.stdout", "m2": "logfile output.null",
        "m3": "_logs pipeline.logs",
      ])
    #expect(edges == ["m0 -> m1: outbox → inbox", "m3 -> m2: outbox → inbox"])
  }

  @Test func graphOfABadConfigPrintsTheValidationErrors() async throws {
    let file = try Self.config(Self.broken)
    let outcome = try await Tools.starling(["graph", "--format", "mermaid", file]).finish()
    #expect(outcome.status == 1)
    #expect(outcome.stderrLines == Self.brokenErrors(file))
    #expect(outcome.stdout.isEmpty)
  }

  @Test func graphWithABadFormatIsAUsageError() async throws {
    let outcome = try await Tools.starling(["graph", "--format", "svg", Self.hello]).finish()
    #expect(outcome.status == 64)
    #expect(outcome.stderrLines.count == 1)
    #expect(
      outcome.stderrLines.first?.hasSuffix("(see 'starling graph --help')") == true, "\(outcome.stderr)")
  }

  // MARK: list and show

  @Test func listGroupsTypesByKindWithAlignedSummaries() async throws {
    let outcome = try await Tools.starling(["list"]).finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let lines = outcome.stdoutText.split(separator: "\n").map(String.init)
    let generator = try #require(lines.firstIndex { $0.hasPrefix("  input.generator ") })
    let stdout = try #require(lines.firstIndex { $0.hasPrefix("  output.stdout ") })
    let null = try #require(lines.firstIndex { $0.hasPrefix("  output.null ") })
    #expect(lines.firstIndex(of: "input").map { $0 < generator } == true)
    #expect(lines.firstIndex(of: "output").map { $0 < null && null < stdout } == true)
    #expect(lines[generator].hasSuffix("Makes an event every interval, with a fixed payload."))
    // Every summary starts in the same column.
    let columns = lines.filter { $0.hasPrefix("  ") }.map { line in
      line.dropFirst(2).firstRange(of: #/ +/#).map { line.distance(from: line.startIndex, to: $0.upperBound) }
    }
    #expect(Set(columns).count == 1, "\(outcome.stdoutText)")
  }

  @Test func showGenerator() async throws {
    let outcome = try await Tools.starling(["show", "generator"]).finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let text = outcome.stdoutText
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines.first == "input.generator: Makes an event every interval, with a fixed payload.")
    // The discussion, wrapped to 88 columns.
    let discussion = lines.dropFirst(2).prefix { !$0.isEmpty }
    #expect(discussion.count > 1)
    #expect(discussion.allSatisfy { $0.hasPrefix("  ") && $0.count <= 88 })
    #expect(
      discussion.map { $0.dropFirst(2) }.joined(separator: " ")
        .contains("With `count` set, the generator stops after that many events"))
    #expect(lines.contains("  in:   none (it makes events)"))
    #expect(lines.contains("  out:  outbox"))
    let rows = lines.filter { $0.hasPrefix("  ") }.map {
      $0.split(separator: " ", omittingEmptySubsequences: true)
    }
    #expect(rows.contains { $0.prefix(5) == ["NAME", "KIND", "DEFAULT", "RANGE", "SUMMARY"] })
    #expect(rows.contains { $0.prefix(7) == ["interval", "duration", "1s", "0", "to", "365d", "Time"] })
    #expect(rows.contains { $0.prefix(4) == ["payload", "any", "\"hello", "world\""] })
    #expect(rows.contains { $0.prefix(4) == ["header", "map", "{}", "Header"] })
    #expect(rows.contains { $0.prefix(7) == ["count", "int", "0", "0", "to", "1000000000000000", "How"] })
    let example = try #require(lines.firstIndex { $0.hasPrefix("Example") })
    #expect(
      Array(lines[(example + 1)...].prefix(5)) == [
        "  hello:", "    module: input.generator", "    arguments:", "      interval: 1s",
        "      payload: \"hello world {{n}}\"",
      ])
  }

  @Test func showByFullNameListsTheQueues() async throws {
    let outcome = try await Tools.starling(["show", "output.stdout"]).finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stdoutText.hasPrefix("output.stdout: Prints each event"))
    #expect(outcome.stdoutText.contains("  in:   inbox\n  out:  success, failure\n"))
  }

  @Test func showUnknownTypeSuggestsOne() async throws {
    let typo = try await Tools.starling(["show", "generatr"]).finish()
    #expect(typo.status == 1)
    #expect(typo.stderrLines == ["starling: unknown module type 'generatr' (did you mean input.generator?)"])
    #expect(typo.stdout.isEmpty)
    let nothing = try await Tools.starling(["show", "zzzzzzzz"]).finish()
    #expect(nothing.status == 1)
    #expect(
      nothing.stderrLines == [
        "starling: unknown module type 'zzzzzzzz' (`starling list` shows the module types)"
      ])
  }
}
