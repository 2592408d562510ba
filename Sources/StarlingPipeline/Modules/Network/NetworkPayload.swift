import Foundation

/// How a network input turns the bytes it received into an event's data.
enum NetworkPayload: String, Sendable {
  /// Text when the bytes are UTF-8, otherwise the bytes.
  case string
  /// The bytes as they are.
  case bytes
  /// A JSON value; bytes that are not JSON are refused.
  case json
  /// `input.http` only: JSON for a JSON content type, otherwise like `string`.
  case auto

  /// The `format` argument of the TCP and UDP inputs.
  static let choices = ["string", "bytes", "json"]

  /// The data of an event for `bytes` received.
  ///
  /// - Throws: `JSON.DecodingError` for `json` and bytes that are not JSON.
  func decode(_ bytes: [UInt8], contentType: String? = nil) throws -> EventValue {
    switch self {
    case .bytes:
      return .bytes(bytes)
    case .json:
      return try JSON.decode(bytes)
    case .string:
      return String(validating: bytes, as: UTF8.self).map(EventValue.string) ?? .bytes(bytes)
    case .auto:
      if let contentType, NetworkPayload.isJSON(contentType) {
        return bytes.isEmpty ? .null : try JSON.decode(bytes)
      }
      return String(validating: bytes, as: UTF8.self).map(EventValue.string) ?? .bytes(bytes)
    }
  }

  /// Whether a content type names JSON (`application/json`, `application/x+json`).
  static func isJSON(_ contentType: String) -> Bool {
    let type =
      contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
    return type == "application/json" || type.hasSuffix("+json")
  }
}
