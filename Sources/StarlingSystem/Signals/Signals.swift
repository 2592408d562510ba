/// Subscriptions to Unix signals.
///
/// ```swift
/// let reload = try Signals.stream([.hangup])
/// for await _ in reload {
///   try await configuration.reload()
/// }
/// ```
///
/// Every subscription gets every delivery of the signals it names, as an element of its
/// ``SignalStream``, however many subscriptions there are. While a signal has a subscriber, its
/// handler here replaces the one it had (the default action, usually); when the last
/// subscriber of a signal ends, that action is restored. The handler only writes the signal's
/// number to a pipe, which a thread of its own reads and hands to the subscribers.
///
/// Unix does not queue a signal that is already pending: several quick deliveries of the
/// same signal may arrive as one. Do not mix these subscriptions with another library's
/// handler for the same signal in one process.
public enum Signals {
  /// Subscribes to `signals`.
  ///
  /// - Parameters:
  ///   - signals: the signals to receive, such as `[.hangup, .terminate]`.
  ///   - bufferSize: how many deliveries the subscription holds until read; a delivery that
  ///     finds it full is dropped and counted in ``SignalStream/dropped``.
  /// - Throws: ``SignalError``: ``SignalError/cannotBeCaught(_:)`` for `SIGKILL` or `SIGSTOP`,
  ///   ``SignalError/unknownSignal(_:)``, ``SignalError/noSignals``.
  public static func stream(_ signals: [UnixSignal], bufferSize: Int = 16) throws(SignalError) -> SignalStream
  {
    guard !signals.isEmpty else { throw .noSignals }
    let stream = SignalStream(signals: Set(signals), bufferSize: max(1, bufferSize))
    try SignalRegistry.shared.subscribe(stream.subscription)
    return stream
  }
}
