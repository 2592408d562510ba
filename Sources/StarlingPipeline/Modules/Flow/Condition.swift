import Foundation

/// A condition on an event, as `flow.switch`, `flow.queueselect` and `flow.filter` write it:
///
/// ```
/// data.level == 'error' and not header.muted exists
/// (data.code >= 500 or data.message =~ '^fatal') and header.source != null
/// ```
///
/// - Paths: `data`, `data.a.b`, `header.x`, `id`, `timestamp`, `ttl`, `error.message`.
/// - Literals: `'text'` or `"text"` (backslash escapes the quote and itself), numbers
///   (`42`, `-1.5`), `true`, `false`, `null`.
/// - Comparisons: `==`, `!=`, `<`, `<=`, `>`, `>=`; `=~` matches a regular expression (a string
///   literal, NSRegularExpression syntax) anywhere in the text; `PATH exists`.
/// - `and`, `or`, `not`, and parentheses; `not` binds tightest, then `and`, then `or`.
///   Parentheses and `not` nest at most ``Condition/maximumDepth`` deep; `and` and `or` chains
///   may be as long as you like.
///
/// A missing path compares like `null`. Numbers compare as numbers (`1 == 1.0`), strings
/// and bytes as text; `<` and friends between other types are false. A bare value is true
/// unless it is missing, null, false, zero or empty.
public struct Condition: Sendable, CustomStringConvertible {
  /// The text the condition was parsed from.
  public let description: String
  /// How deep parentheses and `not` may nest.
  public static let maximumDepth = 32
  private let root: Node

  /// Parses a condition.
  ///
  /// - Throws: ``ConditionError`` naming what is wrong and where.
  public init(_ text: String) throws(ConditionError) {
    var parser = Parser(text: text)
    root = try parser.parse()
    description = text
  }

  /// Whether the event satisfies the condition.
  public func matches(_ event: Event) -> Bool {
    root.evaluate(event)
  }

  indirect enum Node: Sendable {
    case value(Operand)
    case exists(String)
    case compare(Operand, Comparison, Operand)
    case matches(Operand, NSRegularExpressionBox)
    case not(Node)
    /// Terms joined by `and`: a list, not a nest, so a long chain costs no stack.
    case all([Node])
    /// Terms joined by `or`.
    case any([Node])

    func evaluate(_ event: Event) -> Bool {
      switch self {
      case .value(let operand): return operand.value(in: event)?.isTruthy ?? false
      case .exists(let path): return event[path] != nil
      case .compare(let left, let comparison, let right):
        return comparison.holds(left.value(in: event) ?? .null, right.value(in: event) ?? .null)
      case .matches(let operand, let regex):
        guard let text = operand.value(in: event)?.conditionText else { return false }
        return regex.regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
      case .not(let node): return !node.evaluate(event)
      case .all(let terms): return terms.allSatisfy { $0.evaluate(event) }
      case .any(let terms): return terms.contains { $0.evaluate(event) }
      }
    }
  }

  enum Operand: Sendable {
    case path(String)
    case literal(EventValue)

    func value(in event: Event) -> EventValue? {
      switch self {
      case .path(let path): return event[path]
      case .literal(let value): return value
      }
    }
  }

  enum Comparison: String, Sendable {
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="

    func holds(_ left: EventValue, _ right: EventValue) -> Bool {
      switch self {
      case .equal: return Condition.equal(left, right)
      case .notEqual: return !Condition.equal(left, right)
      default:
        let order: ComparisonResult
        if let a = left.doubleValue, let b = right.doubleValue {
          order = a < b ? .orderedAscending : a > b ? .orderedDescending : .orderedSame
        } else if let a = left.conditionText, let b = right.conditionText {
          order = a < b ? .orderedAscending : a > b ? .orderedDescending : .orderedSame
        } else {
          return false
        }
        switch self {
        case .less: return order == .orderedAscending
        case .lessOrEqual: return order != .orderedDescending
        case .greater: return order == .orderedDescending
        default: return order != .orderedAscending
        }
      }
    }
  }

  static func equal(_ left: EventValue, _ right: EventValue) -> Bool {
    if let a = left.doubleValue, let b = right.doubleValue { return a == b }
    if let a = left.conditionText, let b = right.conditionText { return a == b }
    return left == right
  }

  /// A compiled regular expression (NSRegularExpression is immutable and thread-safe once
  /// made, but not marked Sendable).
  struct NSRegularExpressionBox: @unchecked Sendable {
    // Immutable after init; NSRegularExpression documents itself as safe to share between threads.
    let regex: NSRegularExpression
  }

  // MARK: Parsing

  enum Token: Equatable {
    case word(String)
    case string(String)
    case number(EventValue)
    case symbol(String)
    case end
  }

  struct Parser {
    let text: String
    let characters: [Character]
    var position = 0
    var tokenStart = 0
    var token: Token = .end
    /// How many parentheses and `not`s enclose the current term.
    var depth = 0

    init(text: String) {
      self.text = text
      self.characters = Array(text)
    }

    mutating func parse() throws(ConditionError) -> Node {
      try advance()
      guard token != .end else { throw fail("the condition is empty") }
      let node = try orExpression()
      guard token == .end else { throw fail("expected `and`, `or` or the end, found \(describe(token))") }
      return node
    }

    func fail(_ reason: String) -> ConditionError {
      ConditionError(condition: text, offset: tokenStart, reason: reason)
    }

    func describe(_ token: Token) -> String {
      switch token {
      case .word(let word): return "`\(word)`"
      case .string(let text): return "'\(text)'"
      case .number(let number): return "`\(number)`"
      case .symbol(let symbol): return "`\(symbol)`"
      case .end: return "the end"
      }
    }

    mutating func orExpression() throws(ConditionError) -> Node {
      var terms = [try andExpression()]
      while token == .word("or") {
        try advance()
        terms.append(try andExpression())
      }
      return terms.count == 1 ? terms[0] : .any(terms)
    }

    mutating func andExpression() throws(ConditionError) -> Node {
      var terms = [try notExpression()]
      while token == .word("and") {
        try advance()
        terms.append(try notExpression())
      }
      return terms.count == 1 ? terms[0] : .all(terms)
    }

    /// Enters a `not` or a parenthesis: parsing recurses there, so its depth is bounded.
    mutating func nest() throws(ConditionError) {
      depth += 1
      guard depth <= Condition.maximumDepth else {
        throw fail("parentheses and `not` nest more than \(Condition.maximumDepth) deep")
      }
    }

    mutating func notExpression() throws(ConditionError) -> Node {
      if token == .word("not") {
        try nest()
        try advance()
        defer { depth -= 1 }
        return .not(try notExpression())
      }
      return try comparison()
    }

    mutating func comparison() throws(ConditionError) -> Node {
      if token == .symbol("(") {
        try nest()
        try advance()
        let node = try orExpression()
        guard token == .symbol(")") else { throw fail("expected `)`, found \(describe(token))") }
        try advance()
        depth -= 1
        return node
      }
      let left = try operand()
      if token == .word("exists") {
        guard case .path(let path) = left else {
          throw fail("`exists` needs a path before it, not a literal")
        }
        try advance()
        return .exists(path)
      }
      guard case .symbol(let symbol) = token else { return .value(left) }
      if symbol == "=~" {
        try advance()
        guard case .string(let pattern) = token else {
          throw fail("`=~` needs a regular expression in quotes, found \(describe(token))")
        }
        let regex: NSRegularExpression
        do {
          regex = try NSRegularExpression(pattern: pattern)
        } catch {
          throw fail("'\(pattern)' is not a valid regular expression")
        }
        try advance()
        return .matches(left, NSRegularExpressionBox(regex: regex))
      }
      guard let comparison = Comparison(rawValue: symbol) else { return .value(left) }
      try advance()
      return .compare(left, comparison, try operand())
    }

    mutating func operand() throws(ConditionError) -> Operand {
      switch token {
      case .string(let text):
        try advance()
        return .literal(.string(text))
      case .number(let number):
        try advance()
        return .literal(number)
      case .word(let word):
        switch word {
        case "true", "false":
          try advance()
          return .literal(.bool(word == "true"))
        case "null":
          try advance()
          return .literal(.null)
        case "and", "or", "not", "exists":
          throw fail("expected a path or a value, found `\(word)`")
        default:
          guard Event.isReadable(word), !word.hasSuffix("."), !word.contains("..") else {
            throw fail(
              "`\(word)` is not a path under data, header, id, timestamp, ttl or error (text needs quotes)")
          }
          try advance()
          return .path(word)
        }
      default:
        throw fail("expected a path or a value, found \(describe(token))")
      }
    }

    mutating func advance() throws(ConditionError) {
      while position < characters.count, characters[position].isWhitespace { position += 1 }
      tokenStart = position
      guard position < characters.count else {
        token = .end
        return
      }
      let first = characters[position]
      if first == "'" || first == "\"" {
        position += 1
        var text = ""
        while position < characters.count, characters[position] != first {
          if characters[position] == "\\", position + 1 < characters.count { position += 1 }
          text.append(characters[position])
          position += 1
        }
        guard position < characters.count else { throw fail("the string starting here is not closed") }
        position += 1
        token = .string(text)
      } else if first.isNumber
        || (first == "-" && position + 1 < characters.count && characters[position + 1].isNumber)
      {
        var end = position + 1
        while end < characters.count,
          characters[end].isNumber || characters[end] == "." || characters[end] == "e"
            || characters[end] == "E"
        {
          end += 1
        }
        let literal = String(characters[position..<end])
        position = end
        if let whole = Int(literal) {
          token = .number(.int(whole))
        } else if let number = Double(literal) {
          token = .number(.double(number))
        } else {
          throw fail("`\(literal)` is not a number")
        }
      } else if first.isLetter || first == "_" {
        var end = position + 1
        while end < characters.count,
          characters[end].isLetter || characters[end].isNumber || "_.-".contains(characters[end])
        {
          end += 1
        }
        token = .word(String(characters[position..<end]))
        position = end
      } else {
        let two = position + 1 < characters.count ? String(characters[position...position + 1]) : ""
        if ["==", "!=", "<=", ">=", "=~"].contains(two) {
          token = .symbol(two)
          position += 2
        } else if "<>()".contains(first) {
          token = .symbol(String(first))
          position += 1
        } else {
          throw fail("unexpected `\(first)`")
        }
      }
    }
  }
}

/// A condition that does not parse: what is wrong, and at which character.
public struct ConditionError: Error, Sendable, CustomStringConvertible {
  /// The condition's text.
  public var condition: String
  /// Where the problem starts, in characters from 0.
  public var offset: Int
  /// What is wrong.
  public var reason: String

  /// `condition 'TEXT': REASON (at character N)`.
  public var description: String { "condition '\(condition)': \(reason) (at character \(offset + 1))" }
}

extension EventValue {
  /// The text a condition compares: strings, and bytes as UTF-8.
  fileprivate var conditionText: String? {
    switch self {
    case .string, .bytes: return stringValue
    default: return nil
    }
  }
}
