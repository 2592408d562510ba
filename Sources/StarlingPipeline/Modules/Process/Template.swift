import Foundation

/// A text with `{{path}}` placeholders filled from an event: `"hello {{data.name}}"`.
struct Template: Sendable {
  enum Part: Sendable {
    case text(String)
    case path(String)
  }

  let parts: [Part]

  /// Parses a template; every placeholder must be a readable event path.
  init(_ text: String) throws {
    var parts: [Part] = []
    var rest = Substring(text)
    while let open = rest.range(of: "{{") {
      if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
      guard let close = rest[open.upperBound...].range(of: "}}") else {
        throw PipelineError.invalidArgument("template '\(text)': a `{{` is not closed by `}}`")
      }
      let path = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
      guard Event.isReadable(path) else {
        throw PipelineError.invalidArgument(
          "template '\(text)': `{{\(path)}}` is not a path under data, header, id, timestamp, ttl or error")
      }
      parts.append(.path(path))
      rest = rest[close.upperBound...]
    }
    if !rest.isEmpty { parts.append(.text(String(rest))) }
    self.parts = parts
  }

  /// The text with each placeholder replaced by the value at its path: strings and bytes as
  /// text, other values as JSON, a missing path as nothing.
  func render(_ event: Event) -> String {
    var out = ""
    for part in parts {
      switch part {
      case .text(let text): out += text
      case .path(let path):
        switch event[path] {
        case nil: break
        case .bytes(let bytes)?: out += String(decoding: bytes, as: UTF8.self)
        case let value?: out += value.description
        }
      }
    }
    return out
  }
}
