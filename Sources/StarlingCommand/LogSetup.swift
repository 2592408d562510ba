import Logging
import Synchronization

/// The command's log lines (its own and the libraries', through swift-log) on stderr, in the
/// format and from the level the command chooses. `cat` and `bench` show only errors by
/// default, so that a failure the command reports itself (a refused dial, a bad certificate)
/// is one line on stderr, not that line and the library's warning about it; `-v` shows the
/// library's warnings and notes (peers that failed, pipes that closed).
enum LogSetup {
  private static let output = Mutex<LogOutput?>(nil)

  /// Sends log records of `level` and above to stderr in `format`, each with `metadata`
  /// (a worker's `instance`). Called once, by the command that runs.
  static func start(level: Logger.Level, format: LogFormat = .text, metadata: Logger.Metadata = [:]) {
    let output = LogOutput(format: format)
    Self.output.withLock { $0 = output }
    LoggingSystem.bootstrap { label in
      StarlingLogHandler(label: label, output: output, level: level, metadata: metadata)
    }
  }

  /// Writes the summaries of repeated lines not yet reported: call before the process exits.
  static func flush() {
    output.withLock { $0 }?.flush()
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
