import Foundation

/// One measurement of the one-shot benchmark.
struct BenchResult: Sendable, Equatable, Encodable {
  var kind: BenchPlan.Kind
  var transport: BenchPlan.Transport
  /// Message size in bytes.
  var size: Int
  /// Round trips (reqrep) or messages (pushpull).
  var count: Int
  /// The time the measured part took.
  var seconds: Double
  /// Why the measurement failed, if it did.
  var error: String?

  /// reqrep: microseconds per round trip.
  var roundTripMicroseconds: Double? {
    kind == .reqrep && count > 0 ? seconds * 1e6 / Double(count) : nil
  }

  /// Messages (round trips for reqrep) per second.
  var messagesPerSecond: Double { seconds > 0 ? Double(count) / seconds : 0 }

  /// Payload megabytes (10^6 bytes) per second, one way.
  var megabytesPerSecond: Double { messagesPerSecond * Double(size) / 1e6 }

  /// A short line for the progress display.
  var summary: String {
    if let error { return "failed: \(error)" }
    if let rtt = roundTripMicroseconds {
      return String(format: "%.1f µs round trip, %.0f round trips/s", rtt, messagesPerSecond)
    }
    return String(format: "%.0f msg/s, %.1f MB/s", messagesPerSecond, megabytesPerSecond)
  }

  private enum CodingKeys: String, CodingKey {
    case kind = "protocol", transport, size, count, seconds, error
    case roundTripMicroseconds, messagesPerSecond, megabytesPerSecond
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(kind, forKey: .kind)
    try container.encode(transport, forKey: .transport)
    try container.encode(size, forKey: .size)
    try container.encode(count, forKey: .count)
    if let error {
      try container.encode(error, forKey: .error)
      return
    }
    try container.encode(seconds, forKey: .seconds)
    try container.encodeIfPresent(roundTripMicroseconds, forKey: .roundTripMicroseconds)
    try container.encode(messagesPerSecond, forKey: .messagesPerSecond)
    try container.encode(megabytesPerSecond, forKey: .megabytesPerSecond)
  }
}

/// The one-shot benchmark's results as a table or as JSON.
enum BenchReport {
  /// A text table, one row per measurement; a failed one says why at the end of its row.
  static func table(_ results: [BenchResult]) -> String {
    let header = ["protocol", "transport", "size", "count", "round trip", "msg/s", "MB/s"]
    var rows = [header]
    var notes = [""]
    for result in results {
      let measured = result.error == nil
      rows.append([
        result.kind.rawValue, result.transport.rawValue, sizeText(result.size),
        measured ? String(result.count) : "-",
        measured ? result.roundTripMicroseconds.map { String(format: "%.1f µs", $0) } ?? "-" : "-",
        measured ? String(format: "%.0f", result.messagesPerSecond) : "-",
        measured ? String(format: "%.1f", result.megabytesPerSecond) : "-",
      ])
      notes.append(result.error.map { "  failed: \($0)" } ?? "")
    }
    var widths = Array(repeating: 0, count: header.count)
    for row in rows {
      for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
    }
    var text = ""
    for (index, row) in rows.enumerated() {
      let cells = row.enumerated().map { column, cell in
        let padding = String(repeating: " ", count: widths[column] - cell.count)
        return column < 2 ? cell + padding : padding + cell
      }
      text += cells.joined(separator: "  ") + notes[index] + "\n"
      if index == 0 {
        text += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
      }
    }
    return text
  }

  /// A JSON array, one object per measurement.
  static func json(_ results: [BenchResult]) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let data = (try? encoder.encode(results)) ?? Data("[]".utf8)
    return String(decoding: data, as: UTF8.self) + "\n"
  }

  /// 64 B, 1 KiB, 64 KiB …
  static func sizeText(_ size: Int) -> String {
    if size >= 1 << 20, size % (1 << 20) == 0 { return "\(size >> 20) MiB" }
    if size >= 1024, size % 1024 == 0 { return "\(size >> 10) KiB" }
    return "\(size) B"
  }
}
