/// Where something was written in a config file.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
  /// The file's path as given (`<config>` for text without a file).
  public var file: String
  /// The line, from 1; 0 for the file as a whole (it cannot be read, or the config was made
  /// in code).
  public var line: Int
  /// The column, from 1.
  public var column: Int

  /// A place in a file.
  public init(file: String, line: Int, column: Int) {
    self.file = file
    self.line = line
    self.column = column
  }

  /// `file:line:column`, or `file` alone for the file as a whole.
  public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

/// One thing wrong with a config, and where.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
  /// Where it is wrong.
  public var location: SourceLocation
  /// What is wrong.
  public var message: String

  /// Describes a problem at a place.
  public init(_ message: String, at location: SourceLocation) {
    self.location = location
    self.message = message
  }

  /// `file:line:column: error: message`, as compilers print it.
  public var description: String { "\(location): error: \(message)" }
}

/// Everything wrong with a config: validation reports all problems at once.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
  /// The problems, in the order of the file.
  public var errors: [ConfigError]

  /// Problems as they are (in the order of the file, as the caller promises).
  public init(errors: [ConfigError]) {
    self.errors = errors
  }

  /// Problems in any order, put in the order of the file, each once.
  init(sorting errors: [ConfigError]) {
    var seen: Set<ConfigError> = []
    self.errors = errors.filter { seen.insert($0).inserted }.sorted {
      ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column)
    }
  }

  /// One line per problem.
  public var description: String { errors.map(\.description).joined(separator: "\n") }
}
