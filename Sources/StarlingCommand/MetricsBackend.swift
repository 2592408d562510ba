import CoreMetrics
import Prometheus

/// The process's swift-metrics backend under `starling run --http`: a Prometheus registry,
/// which the admin server's `/metrics` emits.
enum MetricsBackend {
  /// The registry, bootstrapped as swift-metrics' backend the first time it is asked for
  /// (once per process: swift-metrics takes one bootstrap). Ask before the pipelines are made:
  /// their sockets make their metrics as they are made.
  static let registry: PrometheusCollectorRegistry = {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    return registry
  }()
}
