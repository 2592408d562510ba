/// The cases of one ``select(isolation:_:)``, as its ``SelectBuilder`` block builds them.
///
/// Every case (``ReceiveCase``, ``SendCase``, ``TimeoutCase``, ``DefaultCase``) is a list of
/// its own, and the builder nests lists into ``SelectCasePair``, ``SelectConditionalCases``
/// and ``SelectCaseArray``, so the type of a block's value spells out its cases and the
/// compiler specializes the select for them: no existential, no allocation for a written-out
/// list of cases. You use the conforming types through `select { … }`; the underscored
/// requirements are how `select` drives them, and are not meant to be called or implemented
/// outside StarlingChannels. To wait on your own kind of source, adopt ``SelectableSource``
/// instead.
///
/// The receive and send cases of a list are numbered `0 ..< _count` in the order they are
/// written.
public protocol SelectCaseList<Result> {
  /// What the select returns: what the fired case's handler returns.
  associatedtype Result

  /// How many receive and send cases the list has.
  var _count: Int { get }

  /// The list's timeout case, if it has one.
  var _timeout: TimeoutCase<Result>? { get }

  /// The list's default case, if it has one.
  var _default: (() async throws -> Result)? { get }

  /// Tries case `index` without waiting; if it completed, runs its handler and returns what
  /// the handler returns, otherwise `nil`.
  func _poll(_ index: Int) async throws -> Result?

  /// Registers case `index` with its source for a waiting select; returns the registration.
  func _register(_ index: Int, _ context: SelectContext) -> AnyObject

  /// Removes the registration of case `index` from its source, if it still waits there.
  func _deregister(_ index: Int, _ registration: AnyObject)

  /// Runs the handler of case `index`, which fired, with what its registration received; the
  /// case leaves its source first (the select deregisters all the other cases).
  func _finish(_ index: Int, _ registration: AnyObject) async throws -> Result
}

extension SelectCaseList {
  /// No timeout case, unless the list has one.
  @inlinable public var _timeout: TimeoutCase<Result>? { nil }

  /// No default case, unless the list has one.
  @inlinable public var _default: (() async throws -> Result)? { nil }
}

/// A waiting select and the number of one of its cases, as that case registers.
public struct SelectContext {
  @usableFromInline let core: SelectCore
  @usableFromInline let index: Int

  @inlinable
  init(core: SelectCore, index: Int) {
    self.core = core
    self.index = index
  }
}

/// Two lists of cases, one after the other: how a block of several cases is built.
public struct SelectCasePair<First: SelectCaseList, Second: SelectCaseList>: SelectCaseList
where First.Result == Second.Result {
  @usableFromInline let first: First
  @usableFromInline let second: Second

  @inlinable
  init(_ first: First, _ second: Second) {
    self.first = first
    self.second = second
  }

  /// How many receive and send cases the pair has.
  @inlinable public var _count: Int { first._count + second._count }

  /// The timeout case of either list.
  @inlinable
  public var _timeout: TimeoutCase<First.Result>? {
    let (one, other) = (first._timeout, second._timeout)
    precondition(one == nil || other == nil, "a select can have only one timeout case")
    return one ?? other
  }

  /// The default case of either list.
  @inlinable
  public var _default: (() async throws -> First.Result)? {
    let (one, other) = (first._default, second._default)
    precondition(one == nil || other == nil, "a select can have only one default case")
    return one ?? other
  }

  /// Polls case `index` of the first list, or of the second.
  @inlinable
  public func _poll(_ index: Int) async throws -> First.Result? {
    let split = first._count
    return index < split ? try await first._poll(index) : try await second._poll(index - split)
  }

  /// Registers case `index` of the first list, or of the second.
  @inlinable
  public func _register(_ index: Int, _ context: SelectContext) -> AnyObject {
    let split = first._count
    return index < split ? first._register(index, context) : second._register(index - split, context)
  }

  /// Deregisters case `index` of the first list, or of the second.
  @inlinable
  public func _deregister(_ index: Int, _ registration: AnyObject) {
    let split = first._count
    if index < split {
      first._deregister(index, registration)
    } else {
      second._deregister(index - split, registration)
    }
  }

  /// Finishes case `index` of the first list, or of the second.
  @inlinable
  public func _finish(_ index: Int, _ registration: AnyObject) async throws -> First.Result {
    let split = first._count
    return index < split
      ? try await first._finish(index, registration) : try await second._finish(index - split, registration)
  }
}

/// The cases of one branch of an `if`, `if`/`else` or `switch` in a select block.
public enum SelectConditionalCases<First: SelectCaseList, Second: SelectCaseList>: SelectCaseList
where First.Result == Second.Result {
  /// The first branch was taken.
  case first(First)
  /// The second branch was taken.
  case second(Second)
  /// An `if` without `else` whose condition was false: no cases.
  case none

  /// How many receive and send cases the taken branch has.
  @inlinable
  public var _count: Int {
    switch self {
    case .first(let cases): cases._count
    case .second(let cases): cases._count
    case .none: 0
    }
  }

  /// The taken branch's timeout case.
  @inlinable
  public var _timeout: TimeoutCase<First.Result>? {
    switch self {
    case .first(let cases): cases._timeout
    case .second(let cases): cases._timeout
    case .none: nil
    }
  }

  /// The taken branch's default case.
  @inlinable
  public var _default: (() async throws -> First.Result)? {
    switch self {
    case .first(let cases): cases._default
    case .second(let cases): cases._default
    case .none: nil
    }
  }

  /// Polls case `index` of the taken branch.
  @inlinable
  public func _poll(_ index: Int) async throws -> First.Result? {
    switch self {
    case .first(let cases): try await cases._poll(index)
    case .second(let cases): try await cases._poll(index)
    case .none: nil
    }
  }

  /// Registers case `index` of the taken branch.
  @inlinable
  public func _register(_ index: Int, _ context: SelectContext) -> AnyObject {
    switch self {
    case .first(let cases): cases._register(index, context)
    case .second(let cases): cases._register(index, context)
    case .none: preconditionFailure("an empty branch has no case \(index)")
    }
  }

  /// Deregisters case `index` of the taken branch.
  @inlinable
  public func _deregister(_ index: Int, _ registration: AnyObject) {
    switch self {
    case .first(let cases): cases._deregister(index, registration)
    case .second(let cases): cases._deregister(index, registration)
    case .none: break
    }
  }

  /// Finishes case `index` of the taken branch.
  @inlinable
  public func _finish(_ index: Int, _ registration: AnyObject) async throws -> First.Result {
    switch self {
    case .first(let cases): try await cases._finish(index, registration)
    case .second(let cases): try await cases._finish(index, registration)
    case .none: preconditionFailure("an empty branch has no case \(index)")
    }
  }
}

/// The cases made by a `for` loop in a select block, such as one receive case per channel.
public struct SelectCaseArray<Element: SelectCaseList>: SelectCaseList {
  @usableFromInline let elements: [Element]
  /// Where each element's cases start, and the total at the end.
  @usableFromInline let starts: [Int]

  @inlinable
  init(_ elements: [Element]) {
    self.elements = elements
    var starts = [0]
    starts.reserveCapacity(elements.count + 1)
    for element in elements { starts.append(starts.last! + element._count) }
    self.starts = starts
  }

  /// Which element holds case `index`, and its number there.
  @inlinable
  func locate(_ index: Int) -> (element: Int, index: Int) {
    var low = 0
    var high = elements.count - 1
    while low < high {  // the last element whose start is <= index
      let middle = (low + high + 1) / 2
      if starts[middle] <= index { low = middle } else { high = middle - 1 }
    }
    return (low, index - starts[low])
  }

  /// How many receive and send cases all elements have.
  @inlinable public var _count: Int { starts.last! }

  /// The one timeout case among the elements, if any.
  @inlinable
  public var _timeout: TimeoutCase<Element.Result>? {
    let timeouts = elements.compactMap(\._timeout)
    precondition(timeouts.count <= 1, "a select can have only one timeout case")
    return timeouts.first
  }

  /// The one default case among the elements, if any.
  @inlinable
  public var _default: (() async throws -> Element.Result)? {
    let defaults = elements.compactMap(\._default)
    precondition(defaults.count <= 1, "a select can have only one default case")
    return defaults.first
  }

  /// Polls case `index`.
  @inlinable
  public func _poll(_ index: Int) async throws -> Element.Result? {
    let (element, inner) = locate(index)
    return try await elements[element]._poll(inner)
  }

  /// Registers case `index`.
  @inlinable
  public func _register(_ index: Int, _ context: SelectContext) -> AnyObject {
    let (element, inner) = locate(index)
    return elements[element]._register(inner, context)
  }

  /// Deregisters case `index`.
  @inlinable
  public func _deregister(_ index: Int, _ registration: AnyObject) {
    let (element, inner) = locate(index)
    elements[element]._deregister(inner, registration)
  }

  /// Finishes case `index`.
  @inlinable
  public func _finish(_ index: Int, _ registration: AnyObject) async throws -> Element.Result {
    let (element, inner) = locate(index)
    return try await elements[element]._finish(inner, registration)
  }
}

/// Builds the cases of a ``select(isolation:_:)``: one case per line, and cases inside `if`,
/// `switch` and `for`.
///
/// The builder's `Result` is what the select returns; every case's handler returns it, so that
/// one case's handler can tell the type (`{ $0 }`) and another's use it (`{ nil }`).
@resultBuilder
public enum SelectBuilder<Result> {
  /// One case (or a list of cases) on a line.
  @inlinable
  public static func buildExpression<Cases: SelectCaseList>(_ expression: Cases) -> Cases
  where Cases.Result == Result {
    expression
  }

  /// The first cases of a block.
  @inlinable
  public static func buildPartialBlock<Cases: SelectCaseList>(first: Cases) -> Cases
  where Cases.Result == Result {
    first
  }

  /// The cases of a block so far, and the next ones.
  @inlinable
  public static func buildPartialBlock<Accumulated: SelectCaseList, Next: SelectCaseList>(
    accumulated: Accumulated, next: Next
  ) -> SelectCasePair<Accumulated, Next> where Accumulated.Result == Result {
    SelectCasePair(accumulated, next)
  }

  /// Cases inside an `if` without `else`.
  @inlinable
  public static func buildOptional<Cases: SelectCaseList>(
    _ component: Cases?
  ) -> SelectConditionalCases<Cases, Cases> {
    component.map { .first($0) } ?? .none
  }

  /// Cases in the first branch of an `if`/`else` or `switch`.
  @inlinable
  public static func buildEither<First: SelectCaseList, Second: SelectCaseList>(
    first component: First
  ) -> SelectConditionalCases<First, Second> {
    .first(component)
  }

  /// Cases in the second branch of an `if`/`else` or `switch`.
  @inlinable
  public static func buildEither<First: SelectCaseList, Second: SelectCaseList>(
    second component: Second
  ) -> SelectConditionalCases<First, Second> {
    .second(component)
  }

  /// Cases made in a `for` loop.
  @inlinable
  public static func buildArray<Cases: SelectCaseList>(_ components: [Cases]) -> SelectCaseArray<Cases> {
    SelectCaseArray(components)
  }
}

/// What a waiting select registered, per case: the first four inline, more in an array.
@usableFromInline
struct SelectRegistrations {
  @usableFromInline var first: (AnyObject?, AnyObject?, AnyObject?, AnyObject?) = (nil, nil, nil, nil)
  @usableFromInline var more: [AnyObject?]

  @inlinable
  init(count: Int) {
    more = count > 4 ? Array(repeating: nil, count: count - 4) : []
  }

  @inlinable
  subscript(index: Int) -> AnyObject? {
    get {
      switch index {
      case 0: first.0
      case 1: first.1
      case 2: first.2
      case 3: first.3
      default: more[index - 4]
      }
    }
    set {
      switch index {
      case 0: first.0 = newValue
      case 1: first.1 = newValue
      case 2: first.2 = newValue
      case 3: first.3 = newValue
      default: more[index - 4] = newValue
      }
    }
  }

  /// Removes every registration from its source, but the one of case `fired`.
  @inlinable
  func deregister<Cases: SelectCaseList>(_ cases: Cases, except fired: Int?) {
    for index in 0..<cases._count where index != fired {
      if let registration = self[index] {
        cases._deregister(index, registration)
      }
    }
  }
}
