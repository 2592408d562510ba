/// What the one-shot benchmark measures.
struct BenchPlan: Sendable, Equatable {
  /// A measurement.
  enum Kind: String, Sendable, Codable, CaseIterable {
    /// req/rep round trips, one at a time.
    case reqrep
    /// push/pull, as many messages as the pull side can take.
    case pushpull
  }

  /// A transport the benchmark runs over.
  enum Transport: String, Sendable, Codable, CaseIterable {
    case inproc, ipc, tcp
  }

  /// Round trips per req/rep measurement by default.
  static let defaultLatencyCount = 10_000

  var protocols: [Kind] = Kind.allCases
  var transports: [Transport] = Transport.allCases
  var sizes = [64, 1024, 65536]
  var latencyCount = defaultLatencyCount
  /// Messages per push/pull measurement; `nil` for the default by size.
  var throughputCount: Int?

  /// Messages per push/pull measurement for messages of `size` bytes: 100 000, or fewer so that
  /// no more than 512 MiB cross per measurement.
  func messages(ofSize size: Int) -> Int {
    if let throughputCount { return throughputCount }
    return max(100, min(100_000, (512 << 20) / max(size, 1)))
  }

  /// Every measurement, in the order they run.
  var cases: [(Kind, Transport, Int)] {
    var cases: [(Kind, Transport, Int)] = []
    for kind in protocols {
      for transport in transports {
        for size in sizes { cases.append((kind, transport, size)) }
      }
    }
    return cases
  }
}
