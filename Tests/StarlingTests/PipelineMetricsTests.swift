import Foundation
import MetricsTestKit
import StarlingPipeline
import Testing

/// Pipeline queue statistics reach swift-metrics. (Here, not in StarlingPipelineTests, because
/// this process's one swift-metrics backend is bootstrapped in this module.)
@Suite(.timeLimit(.minutes(5)))
struct PipelineMetricsTests {
  @Test func queueCountersGoToSwiftMetrics() async throws {
    let metrics = TestMetricsBackend.shared
    let tag = UUID().uuidString.prefix(8)
    let config = try PipelineConfig.parse(
      yaml: """
        settings: {metrics_interval: 1h}
        modules:
          gen-\(tag): {module: generator, arguments: {interval: 0, count: 7}}
          sink-\(tag): {module: output.null}
        routes: [gen-\(tag).outbox -> sink-\(tag).inbox]
        """)
    try await Pipeline(config: config).run()
    let queue = [("module", "gen-\(tag)"), ("queue", "outbox")]
    #expect(try metrics.expectCounter("starling_pipeline_events_in_total", queue).totalValue == 7)
    #expect(try metrics.expectCounter("starling_pipeline_events_out_total", queue).totalValue == 7)
    #expect(try metrics.expectCounter("starling_pipeline_events_dropped_total", queue).totalValue == 0)
    #expect(try metrics.expectGauge("starling_pipeline_queue_size", queue).lastValue == 0)
  }
}
