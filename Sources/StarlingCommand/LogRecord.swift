import Logging
import StarlingPipeline

/// One log line before it is written: what the command's log handler makes of a swift-log
/// record, and formats as text or JSON.
struct LogRecord: Sendable {
  var timestamp: LogTimestamp
  var level: Logger.Level
  /// The logger's label (`starling.pipeline`).
  var label: String
  /// The pipeline module it is about (its `module` metadata), if any.
  var module: String?
  var message: String
  /// The other metadata, sorted by key.
  var metadata: [(key: String, value: String)]
  /// For a summary of repeats: how many more times the line was logged, and over how long.
  var repeats: (count: Int, window: Duration)?

  /// What makes two records "the same line" for the summary of repeats: everything but the
  /// time and the metadata (which holds event ids and such).
  struct Key: Hashable, Sendable {
    var level: Logger.Level
    var label: String
    var module: String?
    var message: String
  }

  var key: Key { Key(level: level, label: label, module: module, message: message) }

  /// The record as one line (without the newline).
  func line(_ format: LogFormat) -> String {
    switch format {
    case .text: text
    case .json: json
    }
  }

  /// `2025-06-01T12:00:00.123+02:00 error webhook: message key=value`: the module's name, or
  /// the logger's label when no module is named.
  var text: String {
    var line = "\(timestamp) \(level) \(module ?? label): \(message)"
    if let repeats {
      line += " (… \(Plural.grouped(repeats.count)) more in the last \(LogRecord.seconds(repeats.window)))"
    }
    for (key, value) in metadata { line += " \(key)=\(value)" }
    return line
  }

  /// `{"timestamp":…,"level":…,"label":…,"module":…,"message":…,"repeated":N,"window_seconds":S,…}`
  /// with the metadata's keys after these (one that collides with them gets a `metadata.`
  /// prefix).
  var json: String {
    var fields: [(String, EventValue)] = [
      ("timestamp", .string(timestamp.description)), ("level", .string(level.rawValue)),
      ("label", .string(label)),
    ]
    if let module { fields.append(("module", .string(module))) }
    fields.append(("message", .string(message)))
    if let repeats {
      fields.append(("repeated", .int(repeats.count)))
      fields.append(
        (
          "window_seconds",
          .double(
            Double(repeats.window.components.seconds) + Double(repeats.window.components.attoseconds) / 1e18)
        ))
    }
    let reserved = Set(fields.map(\.0))
    for (key, value) in metadata {
      fields.append((reserved.contains(key) ? "metadata.\(key)" : key, .string(value)))
    }
    let body = fields.map { key, value in
      String(decoding: JSON.encode(.string(key)), as: UTF8.self) + ":"
        + String(decoding: JSON.encode(value), as: UTF8.self)
    }
    return "{" + body.joined(separator: ",") + "}"
  }

  /// `10 s`, `1.5 s`: whole seconds, or tenths below 10 s.
  static func seconds(_ duration: Duration) -> String {
    let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    let tenths = (seconds * 10).rounded()
    if seconds >= 10 || tenths.truncatingRemainder(dividingBy: 10) == 0 {
      return "\(Int(seconds.rounded())) s"
    }
    return "\(tenths / 10) s"
  }
}
