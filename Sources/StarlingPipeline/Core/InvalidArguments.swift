/// Several problems with a module's arguments, each about one argument or one item of a list
/// argument: a module's initializer throws it to have each problem reported at its own line
/// (where ``PipelineError/invalidArgument(_:)`` reports one problem at the module's name).
///
/// ```swift
/// var problems: [InvalidArguments.Problem] = []
/// for (index, entry) in (context.arguments.list("rules") ?? []).enumerated()
/// where entry.stringValue == nil {
///   problems.append(.init(path: "rules[\(index)]", message: "rules[\(index)] must be text"))
/// }
/// if !problems.isEmpty { throw InvalidArguments(problems) }
/// ```
public struct InvalidArguments: Error, Sendable, Hashable, CustomStringConvertible {
  /// One problem.
  public struct Problem: Sendable, Hashable {
    /// The argument it is about (`operations`), or one item of a list argument
    /// (`operations[2]`, counting from 0).
    public var path: String
    /// What is wrong, in words.
    public var message: String

    /// A problem with the argument or list item at `path`.
    public init(path: String, message: String) {
      self.path = path
      self.message = message
    }
  }

  /// The problems, in the order the module found them.
  public var problems: [Problem]

  /// The given problems.
  public init(_ problems: [Problem]) {
    self.problems = problems
  }

  /// The messages, one per line.
  public var description: String { problems.map(\.message).joined(separator: "\n") }
}
