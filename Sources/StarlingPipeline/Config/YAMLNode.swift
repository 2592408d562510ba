/// A node of a YAML document as a config reads it: text, maps and lists, each with the place
/// it starts. Anchors, aliases and tags play no part (``YAMLComposer`` refuses aliases).
enum YAMLNode: Sendable {
  /// A scalar's text; `isPlain` when it was written without quotes or a block indicator
  /// (only plain scalars can be numbers, booleans or null).
  case scalar(String, isPlain: Bool, YAMLMark)
  /// A map's keys and values, in the document's order.
  case mapping([(key: YAMLNode, value: YAMLNode)], YAMLMark)
  /// A list's items.
  case sequence([YAMLNode], YAMLMark)

  /// Where the node starts.
  var mark: YAMLMark {
    switch self {
    case .scalar(_, _, let mark), .mapping(_, let mark), .sequence(_, let mark): return mark
    }
  }

  /// A scalar's text.
  var string: String? {
    if case .scalar(let text, _, _) = self { return text }
    return nil
  }

  /// A map's pairs.
  var mapping: [(key: YAMLNode, value: YAMLNode)]? {
    if case .mapping(let pairs, _) = self { return pairs }
    return nil
  }

  /// A list's items.
  var sequence: [YAMLNode]? {
    if case .sequence(let items, _) = self { return items }
    return nil
  }

  /// Whether the node is YAML's null: a plain scalar that is empty, `~` or `null`.
  var isNull: Bool {
    guard case .scalar(let text, true, _) = self else { return false }
    return ["", "~", "null", "Null", "NULL"].contains(text)
  }
}

/// A place in a YAML document: line and column, from 1.
struct YAMLMark: Sendable, Hashable {
  var line: Int
  var column: Int
}
