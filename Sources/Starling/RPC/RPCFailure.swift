/// A call that failed on the server, as it goes into a failure reply and the server's log.
struct RPCFailure: Error, Sendable, Hashable {
  /// Why the call failed (never ``RPCStatus/ok``).
  var status: RPCStatus
  /// The type name of the error behind the failure.
  var type: String
  /// What went wrong, in words.
  var message: String

  /// A failure caused by `error`, carrying its type name and description.
  init(_ status: RPCStatus, error: any Error) {
    self.status = status
    self.type = String(reflecting: Swift.type(of: error))
    self.message = Self.describe(error)
  }

  /// A failure the server itself found (unknown method, malformed envelope).
  init(_ status: RPCStatus, message: String) {
    self.status = status
    self.type = String(reflecting: RPCError.self)
    self.message = message
  }

  /// The failure reply's body.
  var replyBody: ByteBuffer {
    var body = ByteBuffer()
    RPCEnvelope.writeFailure(status, type: type, message: message, into: &body)
    return body
  }

  /// Describes an error in words; decoding and encoding errors name the path where they failed.
  static func describe(_ error: any Error) -> String {
    switch error {
    case let error as DecodingError:
      switch error {
      case .typeMismatch(let type, let context):
        return "expected \(type) at \(path(context.codingPath)): \(context.debugDescription)"
      case .valueNotFound(let type, let context):
        return "missing \(type) value at \(path(context.codingPath)): \(context.debugDescription)"
      case .keyNotFound(let key, let context):
        return "missing key '\(key.stringValue)' at \(path(context.codingPath))"
      case .dataCorrupted(let context):
        return "invalid data at \(path(context.codingPath)): \(context.debugDescription)"
      @unknown default:
        return String(describing: error)
      }
    case let error as EncodingError:
      switch error {
      case .invalidValue(let value, let context):
        return "cannot encode \(value) at \(path(context.codingPath)): \(context.debugDescription)"
      @unknown default:
        return String(describing: error)
      }
    case let error as RPCError:
      return error.description
    default:
      return String(describing: error)
    }
  }

  /// A coding path as `a.b.0`, or "the top level".
  private static func path(_ codingPath: [any CodingKey]) -> String {
    codingPath.isEmpty
      ? "the top level"
      : codingPath.map { key in key.intValue.map(String.init) ?? key.stringValue }.joined(separator: ".")
  }
}
