/// A request received by a ``Rep0`` (or a survey received by a ``Respondent0``), ready to be
/// answered.
///
/// It carries its own backtrace and the pipe it came on, so any number of requests can be
/// answered concurrently and in any order.
public struct Request: Sendable {
  /// The request's body (its header is the backtrace).
  public let message: Message
  let send: @Sendable (Message) async throws -> Void

  /// Sends the answer on the connection the request came from. If that connection is gone, the
  /// answer is dropped (a requester sends its request again elsewhere).
  public func reply(_ reply: Message) async throws {
    try await send(reply.answering(message))
  }
}

extension Message {
  /// The message as the answer to `request`: with its backtrace, for the pipe it came on.
  func answering(_ request: Message) -> Message {
    var answer = self
    answer.header = request.header
    answer.pipe = request.pipe
    return answer
  }
}
