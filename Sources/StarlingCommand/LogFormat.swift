import ArgumentParser

/// How the command writes its log lines on stderr (`--log-format`).
enum LogFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
  /// One line of text per record: `2025-06-01T12:00:00.123+02:00 error webhook: message key=value`.
  case text
  /// One JSON object per line: `timestamp`, `level`, `label`, `module`, `message`, then the
  /// metadata's keys.
  case json
}
