import Foundation
import Testing

@testable import StarlingPipeline

/// The StarlingPipeline DocC examples, verbatim (scripts/check_examples.py checks that they
/// are here), so that they compile and run; and every config in the articles, validated.
@Suite(.timeLimit(.minutes(5)))
struct DocumentationExamplesTests {
  @Test func doccPipelineRun() async throws {
    let config = try PipelineConfig.parse(
      yaml: """
        modules:
          hello:
            module: input.generator
            arguments: {payload: "hello", count: 3, interval: 0}
          console:
            module: output.stdout
        routes:
          - hello.outbox -> console.inbox
        """)
    let pipeline = try Pipeline(config: config)
    try await pipeline.run()  // the generator stops after 3 events; the pipeline drains and returns

    let route = pipeline.statistics.first { $0.name == "hello.outbox -> console.inbox" }
    #expect(route?.received == 3)
    #expect(route?.sent == 3)
  }

  @Test func doccPipelineReplace() async throws {
    // A fixed port: the new pipeline could not bind it again while the old socket is held, so
    // its start succeeding proves it took the socket over.
    let port = try await NetworkHarness.freePort()
    func echo(_ prefix: String) throws -> PipelineConfig {
      try PipelineConfig.parse(
        yaml: """
          modules:
            server:
              module: input.tcp
              arguments: {listen: "127.0.0.1:\(port)"}
            tag:
              module: process.modify
              arguments:
                operations:
                  - template: {path: data, template: "\(prefix) {{data}}"}
            answer:
              module: output.reply
          routes:
            - server.outbox -> tag.inbox
            - tag.outbox -> answer.inbox
          """)
    }
    let config = try echo("old")
    let newConfig = try echo("new")

    let listeners = ListeningSockets()
    let old = try Pipeline(config: config, listeners: listeners)
    try await old.start()  // listening
    let running = Task { try await old.run() }
    // … later, with the new config:
    listeners.hold()
    old.stop()
    await old.inputsStopped()  // the old pipeline accepts nothing more
    let new = try Pipeline(config: newConfig, listeners: listeners)
    try await new.start()  // its inputs take the old one's sockets over
    listeners.releaseUnclaimed()
    let serving = Task { try await new.run() }
    try await running.value  // the old one has drained what it accepted

    let client = try await TestConnection.connect(port: port)
    try await client.send("hello\n")
    #expect(try await client.readLine() == "new hello")
    new.stop()
    try await serving.value
  }

  @Test func doccModuleRun() async throws {
    var registry = ModuleRegistry.builtin
    registry.register(Shout.self)

    let config = try PipelineConfig.parse(
      yaml: """
        modules:
          hello:
            module: input.generator
            arguments: {payload: "hello", count: 2, interval: 0}
          shout:
            module: shout
          console:
            module: output.stdout
        routes:
          - hello.outbox -> shout.inbox
          - shout.outbox -> console.inbox
        """)
    let pipeline = try Pipeline(config: config, registry: registry)
    try await pipeline.run()  // prints HELLO! twice; returns when the generator is done

    #expect(pipeline.statistics.first { $0.name == "shout.outbox -> console.inbox" }?.sent == 2)
  }

  @Test func shoutUpperCasesTextAndFailsOnWhatIsNotText() async throws {
    var registry = Harness.registry
    registry.register(Shout.self)
    let key = Harness.key("shout")
    for payload in ["hi", "7"] {
      let config = try PipelineConfig.parse(
        yaml: """
          modules:
            words:
              module: input.generator
              arguments: {payload: \(payload), count: 1, interval: 0}
            shout:
              module: process.shout
              arguments: {suffix: "?"}
            sink:
              module: test.collect
              arguments: {key: \(key)}
          routes:
            - words.outbox -> shout.inbox
            - shout.outbox -> sink.good
            - shout.failure -> sink.bad
          """, environment: [:])
      try await Pipeline(config: config, registry: registry).run()
    }
    let events = try await Harness.receive(2, from: key)
    #expect(events.first?.data == "HI?")
    #expect(events.first?.header["test.queue"] == "good")
    #expect(events.last?.error?.module == "shout")
    #expect(events.last?.error?.message == "data is int, not text")
    #expect(events.last?.header["test.queue"] == "bad")
  }

  @Test func doccModuleStop() async throws {
    var registry = ModuleRegistry.builtin
    registry.register(Shout.self)
    let config = try PipelineConfig.parse(
      yaml: """
        modules:
          hello:
            module: input.generator
            arguments: {payload: "hello", interval: 1ms}
          shout:
            module: process.shout
          sink:
            module: output.null
        routes:
          - hello.outbox -> shout.inbox
          - shout.outbox -> sink.inbox
        """)

    let pipeline = try Pipeline(config: config, registry: registry)
    let running = Task { try await pipeline.run() }
    // … later, when the service shuts down:
    pipeline.stop()  // the inputs stop; queued events still flow to the end
    try await running.value  // returns once everything has drained

    for queue in pipeline.statistics where queue.capacity > 0 {
      #expect(queue.size == 0, "\(queue.name) still holds events")
      #expect(queue.received == queue.sent, "\(queue.name)")
    }
  }

  // MARK: The configs in the articles

  /// The Markdown of the StarlingPipeline DocC articles.
  static let articles: [(name: String, text: String)] = {
    let catalog = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Sources/StarlingPipeline/Docs.docc")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: catalog.path)) ?? []
    return names.filter { $0.hasSuffix(".md") }.sorted().compactMap { name in
      (try? String(contentsOf: catalog.appendingPathComponent(name), encoding: .utf8)).map { (name, $0) }
    }
  }()

  /// Every fenced block of an article: its language and its text.
  static func blocks(_ markdown: String) -> [(language: String, text: String)] {
    var blocks: [(String, String)] = []
    var current: (String, [String])?
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("```") {
        if let open = current {
          blocks.append((open.0, open.1.joined(separator: "\n") + "\n"))
          current = nil
        } else {
          current = (String(line.dropFirst(3)), [])
        }
      } else if current != nil {
        current!.1.append(String(line))
      }
    }
    return blocks
  }

  /// Each YAML block that is a whole config (it has `modules:`) validates; when a `text`
  /// block of `error:` lines follows it, the config gives exactly those errors.
  @Test func everyConfigInTheArticlesValidatesOrFailsAsShown() throws {
    var registry = Harness.registry
    registry.register(Shout.self)
    var checked = 0
    for article in Self.articles {
      let blocks = Self.blocks(article.text)
      for (index, block) in blocks.enumerated() where block.language == "yaml" {
        guard block.text.split(separator: "\n").contains(where: { $0.hasPrefix("modules:") }) else {
          continue
        }
        checked += 1
        var expected: [String] = []
        if index + 1 < blocks.count, blocks[index + 1].language == "text",
          blocks[index + 1].text.contains(": error: ")
        {
          expected = blocks[index + 1].text.split(separator: "\n").map(String.init)
        }
        var found: [String] = []
        do {
          let config = try PipelineConfig.parse(yaml: block.text, file: "pipeline.yaml", environment: [:])
          _ = try Pipeline(config: config, registry: registry)
        } catch let errors as ConfigErrors {
          found = errors.errors.map(\.description)
        }
        #expect(found == expected, "\(article.name), block \(index + 1):\n\(block.text)")
      }
    }
    #expect(Self.articles.count == 3)
    #expect(checked >= 4)
  }
}

/// `process.shout`: upper-cases the event's text.
actor Shout: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "process.shout",
    summary: "Upper-cases the event's text and adds a suffix.",
    discussion: "Emits the event with `data` upper-cased. Data that is not text fails the event.",
    arguments: [ArgumentSpec("suffix", .string, default: "!", "Text added at the end.")],
    example: """
      shout:
        module: process.shout
        arguments: {suffix: "!!"}
      """)

  let outbox: PipelineQueue
  let suffix: String

  init(context: ModuleContext) throws {
    outbox = context.output("outbox")
    suffix = context.arguments.string("suffix") ?? "!"
  }

  func consume(_ event: Event, from queue: String) async throws {
    guard let text = event.data.stringValue else { throw NotText(found: event.data.typeName) }
    var event = event
    event.data = .string(text.uppercased() + suffix)
    try await outbox.send(event)
  }
}

/// Why `process.shout` refused an event.
struct NotText: Error, CustomStringConvertible {
  var found: String
  var description: String { "data is \(found), not text" }
}
