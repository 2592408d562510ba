/// Why a module failed on an event: attached to the event it sends to its `failure` queue.
public struct EventError: Sendable, Hashable, Error, CustomStringConvertible {
  /// The name of the module that failed.
  public var module: String
  /// The error's type (`DecodingError`, `SPError`…).
  public var kind: String
  /// The error's message.
  public var message: String

  /// Creates the details of a failure.
  public init(module: String, kind: String, message: String) {
    self.module = module
    self.kind = kind
    self.message = message
  }

  /// Describes a thrown error.
  public init(module: String, error: any Error) {
    self.init(module: module, kind: String(describing: type(of: error)), message: String(describing: error))
  }

  /// `{"module": …, "kind": …, "message": …}`.
  public var value: EventValue {
    ["module": .string(module), "kind": .string(kind), "message": .string(message)]
  }

  /// "module: message".
  public var description: String { "\(module): \(message)" }
}
