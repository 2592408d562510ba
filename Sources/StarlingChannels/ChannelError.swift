/// The error a channel operation throws when it cannot complete for a reason other than cancellation.
///
/// Cancellation is reported with the standard `CancellationError`, so that
/// `try await` code composes with the rest of Swift concurrency.
public enum ChannelError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The channel was closed: a send can no longer deliver its element.
  case closed

  /// A human-readable description of the error.
  public var description: String {
    switch self {
    case .closed: "the channel is closed: no more elements can be sent"
    }
  }
}
