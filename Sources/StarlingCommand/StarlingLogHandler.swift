import Logging

/// The command's swift-log handler: records with millisecond timestamps, in text or JSON, to a
/// ``LogOutput`` that summarises repeats. The `module` metadata (which pipeline module a line is
/// about) is printed in place of the logger's label.
struct StarlingLogHandler: LogHandler {
  let label: String
  let output: LogOutput
  var logLevel: Logger.Level
  var metadata: Logger.Metadata
  var metadataProvider: Logger.MetadataProvider?

  init(label: String, output: LogOutput, level: Logger.Level, metadata: Logger.Metadata = [:]) {
    self.label = label
    self.output = output
    self.logLevel = level
    self.metadata = metadata
  }

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    var all = metadata
    if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
    if let given = event.metadata { all.merge(given) { $1 } }
    let module = all.removeValue(forKey: "module").map { "\($0)" }
    output.emit(
      LogRecord(
        timestamp: .now(), level: event.level, label: label, module: module, message: "\(event.message)",
        metadata: all.sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") }, repeats: nil))
  }
}
