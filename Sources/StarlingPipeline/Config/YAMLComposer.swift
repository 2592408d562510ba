// libyaml, as Yams builds it. Yams' own composer resolves every alias and hashes every mapping
// key (running a regular expression per key to find its tag): a few hundred bytes of nested
// aliases ("billion laughs") cost it exponential time, and a config of 146,000 modules spent
// a third of its validation there. Configs need neither aliases nor tags, so they are
// composed here, straight from libyaml's events.
import CYaml

/// Builds a config's ``YAMLNode`` tree from libyaml's events in one pass, without recursion
/// (so nesting depth costs no stack), refusing what a config cannot use.
enum YAMLComposer {
  /// Why a document cannot be read.
  enum Failure: Error, Hashable {
    /// Not valid YAML (or more than one document): libyaml's reason and where it stopped.
    case syntax(String, YAMLMark)
    /// An alias (`*name`): the first one, and how many the document has in all.
    case alias(String, YAMLMark, count: Int)
    /// A key given twice in one map: the second one, and the keys of the maps it is in,
    /// outermost first (`["modules"]` for a module's name).
    case duplicateKey(String, YAMLMark, path: [String])
  }

  /// The document's root node; `nil` for an empty document.
  static func compose(_ yaml: String) throws(Failure) -> YAMLNode? {
    var bytes = Array(yaml.utf8)
    if bytes.isEmpty { return nil }
    var parser = yaml_parser_t()
    guard yaml_parser_initialize(&parser) == 1 else {
      throw .syntax("the YAML parser could not start", YAMLMark(line: 1, column: 1))
    }
    defer { yaml_parser_delete(&parser) }
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
    return try bytes.withUnsafeMutableBufferPointer { (buffer) throws(Failure) -> YAMLNode? in
      yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
      var builder = Builder()
      while true {
        var event = yaml_event_t()
        guard yaml_parser_parse(&parser, &event) == 1 else {
          if let alias = builder.firstAlias { throw .alias(alias.0, alias.1, count: builder.aliases) }
          throw syntaxFailure(parser)
        }
        defer { yaml_event_delete(&event) }
        if event.type == YAML_STREAM_END_EVENT { break }
        try builder.take(event)
      }
      if let alias = builder.firstAlias { throw .alias(alias.0, alias.1, count: builder.aliases) }
      return builder.root
    }
  }

  private static func mark(_ mark: yaml_mark_t) -> YAMLMark {
    YAMLMark(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
  }

  /// libyaml's reason, as Yams words it: the context (`while parsing a flow mapping`) and the
  /// problem, where the problem is.
  private static func syntaxFailure(_ parser: yaml_parser_t) -> Failure {
    let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
    if parser.error == YAML_READER_ERROR {
      return .syntax("\(problem) at byte \(parser.problem_offset)", YAMLMark(line: 1, column: 1))
    }
    let context = parser.context.map { String(cString: $0) } ?? ""
    let reason = [context, problem].filter { !$0.isEmpty }.joined(separator: ", ")
    return .syntax(reason, mark(parser.problem_mark))
  }

  /// The open maps and lists, innermost last.
  private struct Builder {
    struct Open {
      var mark: YAMLMark
      var isMapping: Bool
      var items: [YAMLNode] = []
      var pairs: [(key: YAMLNode, value: YAMLNode)] = []
      var key: YAMLNode?
      var keys: Set<String> = []
    }

    var open: [Open] = []
    var root: YAMLNode?
    var documents = 0
    var aliases = 0
    var firstAlias: (String, YAMLMark)?

    mutating func take(_ event: yaml_event_t) throws(Failure) {
      let start = YAMLComposer.mark(event.start_mark)
      switch event.type {
      case YAML_DOCUMENT_START_EVENT:
        documents += 1
        if documents > 1 {
          throw .syntax("expected a single document in the stream, but found another document", start)
        }
      case YAML_ALIAS_EVENT:
        // The rest of the document is only counted: a config with an alias is refused.
        aliases += 1
        if firstAlias == nil {
          firstAlias = (event.data.alias.anchor.map { String(cString: $0) } ?? "", start)
        }
      case _ where firstAlias != nil:
        break
      case YAML_SCALAR_EVENT:
        let scalar = event.data.scalar
        let text =
          scalar.value.map {
            String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self)
          }
          ?? ""
        try add(.scalar(text, isPlain: scalar.style == YAML_PLAIN_SCALAR_STYLE, start))
      case YAML_SEQUENCE_START_EVENT:
        open.append(Open(mark: start, isMapping: false))
      case YAML_MAPPING_START_EVENT:
        open.append(Open(mark: start, isMapping: true))
      case YAML_SEQUENCE_END_EVENT:
        let list = open.removeLast()
        try add(.sequence(list.items, list.mark))
      case YAML_MAPPING_END_EVENT:
        let map = open.removeLast()
        try add(.mapping(map.pairs, map.mark))
      default:
        break
      }
    }

    private mutating func add(_ node: YAMLNode) throws(Failure) {
      guard !open.isEmpty else {
        root = node
        return
      }
      let last = open.count - 1
      guard open[last].isMapping else {
        open[last].items.append(node)
        return
      }
      guard let key = open[last].key else {
        if let text = node.string, !open[last].keys.insert(text).inserted {
          throw .duplicateKey(text, node.mark, path: open.dropLast().compactMap { $0.key?.string })
        }
        open[last].key = node
        return
      }
      open[last].pairs.append((key, node))
      open[last].key = nil
    }
  }
}
