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

  /// Module counts and queue capacities reach swift-metrics too, and publishing again (as an
  /// admin server does before each scrape) adds only what happened since.
  @Test func moduleCountsAndCapacitiesArePublishedOnceEach() async throws {
    let metrics = TestMetricsBackend.shared
    let tag = UUID().uuidString.prefix(8)
    let config = try PipelineConfig.parse(
      yaml: """
        settings: {metrics_interval: 1h, queue_size: 40}
        modules:
          gen-\(tag): {module: generator, arguments: {interval: 0, count: 4, payload: "not a list"}}
          split-\(tag): {module: process.unpack}
          sink-\(tag): {module: output.null}
        routes: [gen-\(tag).outbox -> split-\(tag).inbox, split-\(tag).failure -> sink-\(tag).inbox]
        """)
    let pipeline = try Pipeline(config: config)
    try await pipeline.run()
    pipeline.publishMetrics()
    pipeline.publishMetrics()
    let split = [("module", "split-\(tag)"), ("type", "process.unpack")]
    let sink = [("module", "sink-\(tag)"), ("type", "output.null")]
    #expect(try metrics.expectCounter("starling_pipeline_module_failed_total", split).totalValue == 4)
    #expect(try metrics.expectCounter("starling_pipeline_module_processed_total", split).totalValue == 0)
    #expect(try metrics.expectCounter("starling_pipeline_module_processed_total", sink).totalValue == 4)
    let queue = [("module", "gen-\(tag)"), ("queue", "outbox")]
    #expect(try metrics.expectGauge("starling_pipeline_queue_capacity", queue).lastValue == 40)
    #expect(try metrics.expectCounter("starling_pipeline_events_in_total", queue).totalValue == 4)
    let modules = pipeline.moduleStatistics.map {
      "\($0.name.prefix { $0 != "-" }) \($0.processed) \($0.failed)"
    }
    #expect(modules == ["gen 0 0", "split 0 4", "sink 4 0"])
  }
}
