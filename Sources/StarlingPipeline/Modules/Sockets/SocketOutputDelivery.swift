import Starling

/// What the socket outputs that wait for a peer (`output.push`, `output.pair`, `output.req`)
/// do when it does not come: `send_timeout` bounds the wait (so that a graceful stop does not
/// wait for a peer that never comes: what no peer takes goes to `failure`), and a send that
/// timed out is tried again as `retries`, `backoff_min` and `backoff_max` say.
struct SocketOutputDelivery: Sendable {
  /// `send_timeout`, for the outputs whose send waits for a peer.
  static let sendTimeoutArgument = ArgumentSpec(
    "send_timeout", .duration, default: 0, in: 0...86400,
    "How long a send may wait for a peer to take the message before it is tried again (see `retries`) or "
      + "fails to `failure`; 0 waits as long as it takes.")

  /// The longest wait for a peer; `nil` for no limit.
  let sendTimeout: Duration?
  let retry: RetryPolicy
  /// What a timeout means, for the error.
  private let timedOut: SocketOutputError

  /// Reads `send_timeout` (when the module takes it) and the retry arguments.
  init(_ arguments: ModuleArguments, timeoutArgument: String = "send_timeout") throws {
    let timeout = arguments.duration(timeoutArgument) ?? .zero
    sendTimeout = timeout > .zero ? timeout : nil
    let limit =
      "\(timeoutArgument) (\(ArgumentKind.duration.text(for: arguments.double(timeoutArgument) ?? 0)))"
    timedOut = timeoutArgument == "send_timeout" ? .noPeer(limit) : .noReply(limit)
    retry = try RetryPolicy(arguments)
  }

  /// Runs `send`, trying again after a timeout as the retry policy says.
  ///
  /// - Throws: ``SocketOutputError`` (wrapped in ``RetriesExhausted`` after retries) when no
  ///   try succeeded in time; other errors as `send` throws them.
  func send<Result>(context: ModuleContext, _ send: () async throws -> Result) async throws -> Result {
    try await retry.run(context: context, isRetryable: { $0 is SocketOutputError }) {
      do {
        return try await send()
      } catch SPError.timedOut {
        throw timedOut
      }
    }
  }
}

/// Why a socket output could not deliver an event.
enum SocketOutputError: Error, Hashable, CustomStringConvertible {
  /// No peer took the message within the limit named.
  case noPeer(String)
  /// No reply came within the limit named (a peer to take the request included).
  case noReply(String)

  var description: String {
    switch self {
    case .noPeer(let limit): "no peer took the message within \(limit)"
    case .noReply(let limit): "no reply came within \(limit)"
    }
  }
}
