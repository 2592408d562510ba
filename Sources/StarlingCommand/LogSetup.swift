import Logging

/// The library's log lines (swift-log) on stderr, at a level the command chooses: by default
/// only warnings and errors, so stderr stays quiet unless something goes wrong.
enum LogSetup {
  /// Sends log records of `level` and above to stderr. Called once, by the command that runs.
  static func start(level: Logger.Level) {
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = level
      return handler
    }
  }

  /// The level for a `starling cat` verbosity.
  static func level(for verbosity: CatConfiguration.Verbosity) -> Logger.Level {
    switch verbosity {
    case .silent: .critical
    case .normal: .warning
    case .verbose: .info
    }
  }
}
