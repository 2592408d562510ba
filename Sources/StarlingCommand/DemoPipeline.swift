import Foundation
import Logging
import StarlingPipeline

/// The demo `starling run` runs without a config: two pipelines in one process joined by a
/// real push/pull socket over ipc.
enum DemoPipeline {
  /// Pipeline A: a generator feeding a push socket that dials B.
  static let senderYAML = """
    # Demo pipeline A: makes an event every half second and pushes it over SP.
    modules:
      ticks:
        module: input.generator
        arguments:
          interval: 500ms
          payload: "event {{n}} from pipeline A"
      push:
        module: output.push
        arguments:
          dial: ${STARLING_DEMO_URL}
    routes:
      - ticks.outbox -> push.inbox
    """

  /// Pipeline B: a pull socket listening for A, feeding the console.
  static let receiverYAML = """
    # Demo pipeline B: pulls what pipeline A pushes and prints it.
    modules:
      pull:
        module: input.pull
        arguments:
          listen: ${STARLING_DEMO_URL}
      console:
        module: output.stdout
        arguments:
          prefix: "pipeline B received: "
    routes:
      - pull.outbox -> console.inbox
    """

  /// A fresh ipc address for this process.
  static func address() -> String {
    "ipc://\(NSTemporaryDirectory())starling-demo-\(getpid()).sock"
  }

  /// What the demo prints on standard error before it starts.
  static func banner(url: String) -> String {
    """
    Starling demo: two pipelines in this process, joined by a real SP socket (push0 -> pull0).
      pipeline A: input.generator -> output.push (dials \(url))
      pipeline B: input.pull (listens on \(url)) -> output.stdout
    Their YAML is in Sources/StarlingCommand/DemoPipeline.swift; run your own with
    `starling run FILE` (examples in Examples/Pipelines). Ctrl-C stops both.

    """
  }

  /// The receiver and the sender, built from their YAML with `url` as the address.
  static func pipelines(url: String) throws -> [Pipeline] {
    // A socket file left by an earlier process with the same id would refuse the listen.
    if url.hasPrefix("ipc://") { unlink(String(url.dropFirst("ipc://".count))) }
    let environment = ["STARLING_DEMO_URL": url]
    let receiver = try Pipeline(
      config: PipelineConfig.parse(yaml: receiverYAML, file: "demo-receiver.yaml", environment: environment),
      logger: Logger(label: "starling.demo.B"))
    let sender = try Pipeline(
      config: PipelineConfig.parse(yaml: senderYAML, file: "demo-sender.yaml", environment: environment),
      logger: Logger(label: "starling.demo.A"))
    return [receiver, sender]
  }
}
