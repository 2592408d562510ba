/// A pipeline's wiring as a graph: one node per module, one edge per route, printable as
/// Graphviz DOT or Mermaid (`starling graph` prints it).
///
/// ```swift
/// let graph = try PipelineGraph(config: PipelineConfig.load(file: "hello.yaml"))
/// print(graph.dot())  // dot -Tsvg to draw it
/// ```
///
/// The `_logs` and `_metrics` funnels appear only when a route uses them.
public struct PipelineGraph: Sendable, Hashable {
  /// One module.
  public struct Node: Sendable, Hashable {
    /// The module's name in the config.
    public var name: String
    /// Its full type (`input.generator`), even when the config wrote a short one.
    public var type: String
    /// What the config says it is for.
    public var description: String?

    /// Describes a module.
    public init(name: String, type: String, description: String? = nil) {
      self.name = name
      self.type = type
      self.description = description
    }

    /// Whether the node is one of the pipeline's own funnels (`_logs`, `_metrics`).
    public var isFunnel: Bool { PipelinePlan.reservedNames.contains(name) }
  }

  /// One route.
  public struct Edge: Sendable, Hashable {
    /// The queue events leave.
    public var from: QueueReference
    /// The queue they arrive in.
    public var to: QueueReference

    /// Describes a route.
    public init(from: QueueReference, to: QueueReference) {
      self.from = from
      self.to = to
    }

    /// `outbox → inbox`: the queue names at both ends.
    public var label: String { "\(from.queue) → \(to.queue)" }
  }

  /// The modules, in the config's order, then the funnels the routes use.
  public var nodes: [Node]
  /// The routes, in the config's order.
  public var edges: [Edge]

  /// A graph of the given nodes and edges.
  public init(nodes: [Node], edges: [Edge]) {
    self.nodes = nodes
    self.edges = edges
  }

  /// The graph of a config, after checking it exactly as ``Pipeline/init(config:registry:logger:)``
  /// does (every module is built, nothing is started).
  ///
  /// - Throws: ``ConfigErrors`` with every problem in the config, each with its line.
  public init(config: PipelineConfig, registry: ModuleRegistry = .builtin) throws(ConfigErrors) {
    _ = try Pipeline(config: config, registry: registry)
    self.init(plan: PipelinePlan.make(config, registry: registry))
  }

  /// The graph of a plan that has been checked.
  init(plan: PipelinePlan) {
    var nodes = plan.nodes.map {
      Node(name: $0.config.name, type: $0.type.descriptor.type, description: $0.config.description)
    }
    let routed = Set(plan.routes.flatMap { [$0.from.module, $0.to.module] })
    for (name, type) in [
      (LogFunnel.name, LogFunnel.descriptor.type), (MetricsFunnel.name, MetricsFunnel.descriptor.type),
    ]
    where routed.contains(name) {
      nodes.append(Node(name: name, type: type))
    }
    self.init(nodes: nodes, edges: plan.routes.map { Edge(from: $0.from, to: $0.to) })
  }

  // MARK: Graphviz

  /// The graph in Graphviz DOT, left to right: modules are boxes labelled with their name and
  /// type (funnels dashed), routes are arrows labelled `outbox → inbox`.
  public func dot() -> String {
    var lines = [
      "digraph pipeline {",
      "  rankdir=LR;",
      "  node [shape=box, style=rounded, fontname=\"Helvetica\"];",
      "  edge [fontname=\"Helvetica\", fontsize=10];",
    ]
    for node in nodes {
      var attributes = ["label=\(PipelineGraph.dotString(node.name + "\n" + node.type))"]
      if node.isFunnel { attributes.append("style=\"rounded,dashed\"") }
      if let description = node.description, !description.isEmpty {
        attributes.append("tooltip=\(PipelineGraph.dotString(description))")
      }
      lines.append("  \(PipelineGraph.dotString(node.name)) [\(attributes.joined(separator: ", "))];")
    }
    for edge in edges {
      lines.append(
        "  \(PipelineGraph.dotString(edge.from.module)) -> \(PipelineGraph.dotString(edge.to.module))"
          + " [label=\(PipelineGraph.dotString(edge.label))];")
    }
    lines.append("}")
    return lines.joined(separator: "\n") + "\n"
  }

  /// A DOT quoted string: backslashes and quotes escaped, newlines as `\n`.
  static func dotString(_ text: String) -> String {
    var out = "\""
    for character in text {
      switch character {
      case "\\": out += "\\\\"
      case "\"": out += "\\\""
      case "\n": out += "\\n"
      case "\r": break
      default: out.append(character)
      }
    }
    return out + "\""
  }

  // MARK: Mermaid

  /// The graph as a Mermaid flowchart, left to right. Nodes get the ids `m0`, `m1`… (module
  /// names may hold characters Mermaid ids cannot) and are labelled with name and type.
  public func mermaid() -> String {
    var ids: [String: String] = [:]
    for (index, node) in nodes.enumerated() { ids[node.name] = "m\(index)" }
    var lines = ["flowchart LR"]
    for node in nodes {
      let id = ids[node.name]!
      let label = PipelineGraph.mermaidString(node.name) + "<br/>" + PipelineGraph.mermaidString(node.type)
      // Funnels are drawn as stadiums, modules as rounded boxes.
      lines.append(node.isFunnel ? "  \(id)([\"\(label)\"])" : "  \(id)(\"\(label)\")")
    }
    for edge in edges {
      guard let from = ids[edge.from.module], let to = ids[edge.to.module] else { continue }
      lines.append("  \(from) -->|\"\(PipelineGraph.mermaidString(edge.label))\"| \(to)")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Text safe inside a quoted Mermaid label: quotes and markup characters as entity codes.
  static func mermaidString(_ text: String) -> String {
    var out = ""
    for character in text {
      switch character {
      case "\"": out += "#quot;"
      case "<": out += "#lt;"
      case ">": out += "#gt;"
      case "#": out += "#35;"
      case "\n", "\r": out += " "
      default: out.append(character)
      }
    }
    return out
  }
}
