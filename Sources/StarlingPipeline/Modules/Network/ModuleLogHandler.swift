import Logging

/// A swift-log handler that writes to a module's `logs` queue: for libraries that log
/// through a `Logger` (StarlingHTTP's server) inside a module.
struct ModuleLogHandler: LogHandler {
  let context: ModuleContext
  var metadata: Logger.Metadata = [:]
  var logLevel: Logger.Level = .trace

  /// A logger writing to `context`'s logs at every level.
  static func logger(for context: ModuleContext) -> Logger {
    Logger(label: context.name) { _ in ModuleLogHandler(context: context) }
  }

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    context.log(event.level, "\(event.message)")
  }
}
