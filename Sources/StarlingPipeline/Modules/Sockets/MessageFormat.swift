import Starling

/// How a socket module turns received message bodies into event data (`format`).
enum MessageFormat: String, Sendable {
  /// Text when the bytes are valid UTF-8, otherwise bytes.
  case string
  /// Bytes as they are.
  case bytes
  /// A JSON value; a body that is not JSON is an error.
  case json

  /// The `format` argument.
  static let argument = ArgumentSpec(
    "format", .choice(["string", "bytes", "json"]), default: "string",
    "How message bodies become data: `string` (UTF-8 text; bytes that are not UTF-8 stay bytes), "
      + "`bytes`, or `json` (a body that is not JSON is logged and dropped).")

  /// The `format` argument of a module.
  init(_ arguments: ModuleArguments) {
    self = arguments.string("format").flatMap(MessageFormat.init(rawValue:)) ?? .string
  }

  /// The data a body becomes.
  ///
  /// - Throws: `JSON.DecodingError` for a `json` body that is not JSON.
  func decode(_ bytes: [UInt8]) throws -> EventValue {
    switch self {
    case .bytes: return .bytes(bytes)
    case .string: return String(validating: bytes, as: UTF8.self).map(EventValue.string) ?? .bytes(bytes)
    case .json: return try JSON.decode(bytes)
    }
  }

  /// An event made from a received message: its body as data, its pipe at `header.sp.pipe`.
  ///
  /// - Throws: `JSON.DecodingError` for a `json` body that is not JSON.
  func event(from message: Message) throws -> Event {
    var event = Event(data: try decode(message.bytes))
    if let pipe = message.pipe { event["header.sp.pipe"] = .int(Int(pipe.rawValue)) }
    return event
  }
}
