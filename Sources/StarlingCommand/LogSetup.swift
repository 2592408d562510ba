import Logging

/// The library's log lines (swift-log) on stderr, at a level the command chooses: by default
/// only errors, so that a failure the command reports itself (a refused dial, a bad
/// certificate) is one line on stderr, not that line and the library's warning about it; `-v`
/// shows the library's warnings and notes (peers that failed, pipes that closed).
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
    case .normal: .error
    case .verbose: .info
    }
  }
}
