import CoreMetrics

import struct StarlingChannels.Lock

/// A socket's counters in swift-metrics, for whatever backend the process bootstrapped
/// (Prometheus, OpenTelemetry …); with none, they cost a call each and go nowhere.
///
/// Every metric carries the dimensions `socket` (the name given to the socket, or `-`) and
/// `protocol`; pipe metrics add `transport`, drops `reason`, protocol errors `cause` (the
/// ``SPError/kind``).
///
/// | metric | kind |
/// |---|---|
/// | `starling_messages_in_total`, `starling_messages_out_total` | counter |
/// | `starling_bytes_in_total`, `starling_bytes_out_total` | counter |
/// | `starling_drops_total` (`reason`) | counter |
/// | `starling_pipes_added_total`, `starling_pipes_removed_total` (`transport`) | counter |
/// | `starling_pipes_open` | gauge |
/// | `starling_pipes_refused_total` | counter |
/// | `starling_protocol_errors_total` (`cause`) | counter |
/// | `starling_reconnects_total` | counter |
final class SocketMetrics: Sendable {
  let dimensions: [(String, String)]
  let messagesIn: Counter
  let messagesOut: Counter
  let bytesIn: Counter
  let bytesOut: Counter
  let pipesOpen: Gauge
  let pipesRefused: Counter
  let reconnects: Counter
  private let drops: [DropReason: Counter]
  private let labelled = Lock<[String: Counter]>.make([:])

  init(socket name: String?, protocol identity: SPProtocol) {
    let dimensions = [("socket", name ?? "-"), ("protocol", identity.name)]
    self.dimensions = dimensions
    messagesIn = Counter(label: "starling_messages_in_total", dimensions: dimensions)
    messagesOut = Counter(label: "starling_messages_out_total", dimensions: dimensions)
    bytesIn = Counter(label: "starling_bytes_in_total", dimensions: dimensions)
    bytesOut = Counter(label: "starling_bytes_out_total", dimensions: dimensions)
    pipesOpen = Gauge(label: "starling_pipes_open", dimensions: dimensions)
    pipesRefused = Counter(label: "starling_pipes_refused_total", dimensions: dimensions)
    reconnects = Counter(label: "starling_reconnects_total", dimensions: dimensions)
    drops = Dictionary(
      uniqueKeysWithValues: DropReason.allCases.map {
        ($0, Counter(label: "starling_drops_total", dimensions: dimensions + [("reason", $0.rawValue)]))
      })
  }

  /// Counts a dropped message.
  func dropped(_ reason: DropReason, count: Int = 1) {
    drops[reason]?.increment(by: count)
  }

  /// Counts a pipe added or removed on a transport.
  func pipe(added: Bool, transport: String) {
    counter(added ? "starling_pipes_added_total" : "starling_pipes_removed_total", ("transport", transport))
      .increment()
  }

  /// Counts a connection or pipe that failed.
  func protocolError(_ error: SPError) {
    counter("starling_protocol_errors_total", ("cause", error.kind.rawValue)).increment()
  }

  private func counter(_ label: String, _ dimension: (String, String)) -> Counter {
    labelled.withLock { counters in
      let key = "\(label)|\(dimension.0)|\(dimension.1)"
      if let counter = counters[key] { return counter }
      let counter = Counter(label: label, dimensions: dimensions + [dimension])
      counters[key] = counter
      return counter
    }
  }
}
