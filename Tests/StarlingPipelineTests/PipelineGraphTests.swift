import Testing

@testable import StarlingPipeline

/// `PipelineGraph`: the wiring of a config as nodes and edges, and as DOT and Mermaid text.
@Suite(.timeLimit(.minutes(5)))
struct PipelineGraphTests {
  private func graph(_ yaml: String) throws -> PipelineGraph {
    try PipelineGraph(
      config: PipelineConfig.parse(yaml: yaml, file: "test.yaml", environment: [:]),
      registry: Harness.registry)
  }

  private let hello = """
    modules:
      hello:
        module: generator
        description: says hello
      console:
        module: output.stdout
      spare:
        module: output.null
    routes:
      - hello.outbox -> console.inbox
      - console.failure -> spare.inbox
    """

  @Test func nodesAreModulesWithFullTypesAndEdgesAreRoutes() throws {
    let graph = try graph(hello)
    #expect(
      graph.nodes == [
        .init(name: "hello", type: "input.generator", description: "says hello"),
        .init(name: "console", type: "output.stdout"),
        .init(name: "spare", type: "output.null"),
      ])
    #expect(graph.edges.map(\.label) == ["outbox → inbox", "failure → inbox"])
    #expect(graph.edges.map(\.from.module) == ["hello", "console"])
    #expect(graph.edges.map(\.to.module) == ["console", "spare"])
  }

  @Test func dotHasEveryNodeAndEdge() throws {
    #expect(
      try graph(hello).dot() == """
        digraph pipeline {
          rankdir=LR;
          node [shape=box, style=rounded, fontname="Helvetica"];
          edge [fontname="Helvetica", fontsize=10];
          "hello" [label="hello\\ninput.generator", tooltip="says hello"];
          "console" [label="console\\noutput.stdout"];
          "spare" [label="spare\\noutput.null"];
          "hello" -> "console" [label="outbox → inbox"];
          "console" -> "spare" [label="failure → inbox"];
        }

        """)
  }

  @Test func mermaidHasEveryNodeAndEdge() throws {
    #expect(
      try graph(hello).mermaid() == """
        flowchart LR
          m0("hello<br/>input.generator")
          m1("console<br/>output.stdout")
          m2("spare<br/>output.null")
          m0 -->|"outbox → inbox"| m1
          m1 -->|"failure → inbox"| m2

        """)
  }

  @Test func funnelsAppearOnlyWhenARouteUsesThem() throws {
    let plain = try graph(hello)
    #expect(!plain.nodes.contains { $0.isFunnel })
    #expect(!plain.dot().contains("_logs"))

    let routed = try graph(
      """
      modules:
        logfile:
          module: output.stdout
      routes:
        - _logs.outbox -> logfile.inbox
      """)
    #expect(routed.nodes.map(\.name) == ["logfile", "_logs"])
    #expect(routed.nodes.last?.type == "pipeline.logs")
    #expect(routed.nodes.last?.isFunnel == true)
    #expect(!routed.nodes.contains { $0.name == "_metrics" })
    #expect(routed.dot().contains(#""_logs" [label="_logs\npipeline.logs", style="rounded,dashed"];"#))
    #expect(routed.dot().contains(#""_logs" -> "logfile" [label="outbox → inbox"];"#))
    #expect(routed.mermaid().contains(#"m1(["_logs<br/>pipeline.logs"])"#))
    #expect(routed.mermaid().contains(#"m1 -->|"outbox → inbox"| m0"#))
  }

  @Test func namesAndDescriptionsAreEscaped() throws {
    let graph = try graph(
      """
      modules:
        'say"hi':
          module: input.generator
          description: "a \\\\ b\\n<c> #1"
        sink:
          module: output.null
      routes:
        - say"hi.outbox -> sink.inbox
      """)
    let dot = graph.dot()
    #expect(dot.contains(#""say\"hi" [label="say\"hi\ninput.generator", tooltip="a \\ b\n<c> #1"];"#))
    #expect(dot.contains(#""say\"hi" -> "sink""#))
    let mermaid = graph.mermaid()
    #expect(mermaid.contains(#"m0("say#quot;hi<br/>input.generator")"#))
    #expect(!mermaid.contains("<c>"))
  }

  @Test func aBadConfigGivesTheSameErrorsAsPipeline() throws {
    let yaml = """
      modules:
        hello:
          module: input.generatr
        console:
          module: output.stdout
          arguments: {selection: nowhere}
      routes:
        - hello.outbox -> console.inbox
      """
    let config = try PipelineConfig.parse(yaml: yaml, file: "test.yaml", environment: [:])
    let fromGraph = #expect(throws: ConfigErrors.self) {
      try PipelineGraph(config: config, registry: Harness.registry)
    }
    let fromPipeline = #expect(throws: ConfigErrors.self) {
      try Pipeline(config: config, registry: Harness.registry)
    }
    #expect(fromGraph?.errors == fromPipeline?.errors)
    #expect(
      fromGraph?.errors.first?.message
        == "unknown module type 'input.generatr' (did you mean input.generator?)")

    // A module's own check (here output.stdout's selection) fails the graph too.
    let ownCheck = try PipelineConfig.parse(
      yaml: "modules:\n  console:\n    module: output.stdout\n    arguments: {selection: nowhere}\n",
      file: "test.yaml", environment: [:])
    let errors = #expect(throws: ConfigErrors.self) {
      try PipelineGraph(config: ownCheck, registry: Harness.registry)
    }
    #expect(errors?.errors.map(\.location.line) == [2])
    #expect(
      errors?.errors.first?.message.hasPrefix("module 'console' (output.stdout): selection 'nowhere'") == true
    )
  }
}
