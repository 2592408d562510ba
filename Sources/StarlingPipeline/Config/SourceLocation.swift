/// Where something was written in a config file.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
  /// The file's path as given (`<config>` for text without a file).
  public var file: String
  /// The line, from 1.
  public var line: Int
  /// The column, from 1.
  public var column: Int

  /// A place in a file.
  public init(file: String, line: Int, column: Int) {
    self.file = file
    self.line = line
    self.column = column
  }

  /// `file:line:column`.
  public var description: String { "\(file):\(line):\(column)" }
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

  /// One line per problem.
  public var description: String { errors.map(\.description).joined(separator: "\n") }
}
