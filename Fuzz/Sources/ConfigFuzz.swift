import Logging
import StarlingPipeline

/// `config`: a pipeline config as `starling validate` and `starling graph` read it: YAML
/// text parsed and shape-checked, then every module built from its arguments and every route
/// checked (nothing started), then drawn as DOT and Mermaid.
enum ConfigFuzz {
  static let target = FuzzTarget(
    name: "config", summary: "the YAML config loader and validator (validate, graph)", run: run)

  static let environment = ["HOST": "127.0.0.1", "PORT": "5555", "EMPTY": ""]
  static let logger = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })

  static func run(_ bytes: [UInt8]) {
    let yaml = String(decoding: bytes, as: UTF8.self)
    guard let config = try? PipelineConfig.parse(yaml: yaml, file: "fuzz.yaml", environment: environment)
    else {
      return
    }
    _ = try? Pipeline(config: config, logger: logger)
    if let graph = try? PipelineGraph(config: config) {
      _ = graph.dot()
      _ = graph.mermaid()
    }
  }
}
