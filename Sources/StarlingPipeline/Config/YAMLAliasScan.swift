// libyaml, as Yams builds it. Yams composes a document with its aliases already resolved, and
// hashes every mapping key while doing so: a few hundred bytes of nested aliases ("billion
// laughs") cost exponential time there and exponential memory once the nodes are read. So
// the aliases have to be found in libyaml's event stream, before Yams composes anything.
import CYaml

/// Finds YAML aliases (`*name`) in a document without resolving them: one pass over
/// libyaml's events, in constant memory.
enum YAMLAliasScan {
  /// An alias in a document.
  struct Alias: Sendable, Hashable {
    /// The anchor it refers to.
    var name: String
    /// Its line, from 1.
    var line: Int
    /// Its column, from 1.
    var column: Int
  }

  /// The document's aliases, in order, at most `limit` of them, and how many there are in
  /// all. A document that is not valid YAML yields the aliases before the error (Yams
  /// reports the error itself).
  static func aliases(in yaml: String, limit: Int = 1) -> (first: [Alias], count: Int) {
    var bytes = Array(yaml.utf8)
    if bytes.isEmpty { return ([], 0) }
    var parser = yaml_parser_t()
    guard yaml_parser_initialize(&parser) == 1 else { return ([], 0) }
    defer { yaml_parser_delete(&parser) }
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
    var found: [Alias] = []
    var count = 0
    bytes.withUnsafeMutableBufferPointer { buffer in
      yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
      var event = yaml_event_t()
      while yaml_parser_parse(&parser, &event) == 1 {
        let type = event.type
        if type == YAML_ALIAS_EVENT {
          count += 1
          if found.count < limit {
            let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
            found.append(
              Alias(
                name: name, line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1))
          }
        }
        yaml_event_delete(&event)
        if type == YAML_STREAM_END_EVENT { break }
      }
    }
    return (found, count)
  }
}
