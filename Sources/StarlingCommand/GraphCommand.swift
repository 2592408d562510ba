import ArgumentParser
import StarlingPipeline

/// `starling graph FILE`: prints a pipeline's wiring as Graphviz DOT or Mermaid.
struct GraphCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "graph",
    abstract: "Print a pipeline's wiring as Graphviz DOT or Mermaid.",
    discussion: """
      Nodes are the config's modules (name and type), edges its routes (labelled \
      `outbox → inbox`); the _logs and _metrics funnels appear when a route uses them. The \
      config is checked as `starling validate` checks it: a bad one prints its errors and \
      exits 1. Draw DOT with `starling graph FILE | dot -Tsvg > pipeline.svg`; paste Mermaid \
      into a ```mermaid block of a Markdown file.
      """)

  /// The graph languages.
  enum Format: String, ExpressibleByArgument, CaseIterable {
    case dot, mermaid
  }

  @Argument(help: "The pipeline's YAML config.")
  var file: String

  @Option(name: .long, help: "dot (Graphviz) or mermaid.")
  var format: Format = .dot

  func run() throws {
    let graph: PipelineGraph
    do {
      graph = try PipelineGraph(config: PipelineConfig.load(file: file))
    } catch let errors as ConfigErrors {
      throw PipelineConfigFailure(errors: errors)
    }
    print(format == .dot ? graph.dot() : graph.mermaid(), terminator: "")
  }
}
