import Synchronization

/// How to answer the caller an event came from.
///
/// Inputs that receive requests (SP `rep` and `respondent`, the TCP line server, HTTP) put
/// one on each event; the `reply` output calls ``send(_:)`` with the event it is given. Only
/// the first answer counts: an event that was cloned and answered twice answers once.
public struct ReplyHandle: Sendable {
  /// Where the request came from, for logs (`tcp 127.0.0.1:5000`, `rep tcp://…`).
  public let origin: String
  private let answer: @Sendable (Event) async throws -> Void
  private let answered: Once

  /// Creates a handle that answers with `answer`.
  public init(origin: String, answer: @escaping @Sendable (Event) async throws -> Void) {
    self.origin = origin
    self.answer = answer
    self.answered = Once()
  }

  /// Answers the caller with an event (each input decides how an event becomes its reply:
  /// bytes as they are, a string as UTF-8, anything else as JSON).
  ///
  /// - Throws: ``PipelineError/alreadyAnswered(_:)`` if this request was answered before;
  ///   whatever the input's transport throws.
  public func send(_ event: Event) async throws {
    guard answered.claim() else { throw PipelineError.alreadyAnswered(origin) }
    try await answer(event)
  }

  /// Whether the request has been answered.
  public var isAnswered: Bool { answered.isClaimed }
}

/// A flag that can be claimed once.
final class Once: Sendable {
  private let flag = Atomic<Bool>(false)
  func claim() -> Bool { !flag.exchange(true, ordering: .acquiringAndReleasing) }
  var isClaimed: Bool { flag.load(ordering: .acquiring) }
}
