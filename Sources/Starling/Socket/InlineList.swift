/// A list that keeps its first element inline, so one element costs no allocation.
///
/// A socket transition usually produces one write or one delivery; an array for it would be
/// one heap allocation per message.
struct InlineList<Element> {
  private var first: Element?
  private var rest: [Element] = []

  /// An empty list.
  init() {}

  /// Whether the list has no elements.
  var isEmpty: Bool { first == nil }

  /// Adds `element` at the end.
  mutating func append(_ element: Element) {
    if first == nil {
      first = element
    } else {
      rest.append(element)
    }
  }

  /// Calls `body` on each element, in order.
  func forEach(_ body: (Element) throws -> Void) rethrows {
    guard let first else { return }
    try body(first)
    for element in rest { try body(element) }
  }
}
