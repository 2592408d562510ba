/// A module's arguments after validation: every value has its spec's kind, and defaults are
/// filled in. Accessors return `nil` only for an optional argument with no default that the
/// config left out.
public struct ModuleArguments: Sendable {
  /// The values by argument name.
  public let values: [String: EventValue]

  /// Arguments from already-validated values.
  public init(_ values: [String: EventValue] = [:]) {
    self.values = values
  }

  /// The value of an argument.
  public subscript(name: String) -> EventValue? { values[name] }

  /// A `string` or `choice` argument.
  public func string(_ name: String) -> String? { values[name]?.stringValue }
  /// An `int` argument.
  public func int(_ name: String) -> Int? { values[name]?.intValue }
  /// A `double` argument.
  public func double(_ name: String) -> Double? { values[name]?.doubleValue }
  /// A `bool` argument.
  public func bool(_ name: String) -> Bool? { values[name]?.boolValue }
  /// A `duration` argument.
  public func duration(_ name: String) -> Duration? {
    values[name]?.doubleValue.map { Duration.nanoseconds(Int64(($0 * 1e9).rounded())) }
  }
  /// A `list` argument.
  public func list(_ name: String) -> [EventValue]? { values[name]?.arrayValue }
  /// A `list(.string)` argument.
  public func strings(_ name: String) -> [String]? { values[name]?.arrayValue?.compactMap(\.stringValue) }
  /// A `map` argument.
  public func map(_ name: String) -> [String: EventValue]? { values[name]?.objectValue }
}
