import StarlingChannels

/// One subscription to Unix signals: each delivery of its signals, in order, as an
/// `AsyncSequence` of ``UnixSignal``s, and as a `select` case beside channels.
///
/// ```swift
/// let signals = try Signals.stream([.interrupt, .terminate])
/// try await select {
///   onReceive(signals) { signal in print("stopping on \(signal!)") }
///   onReceive(jobs) { job in try await run(job!) }
/// }
/// ```
///
/// In a `select`, the case gets the signal, or `nil` once the subscription has ended. As with
/// a channel, exactly one case of the select fires, and a signal delivered to a subscription
/// whose case did not fire stays there for the next receive.
///
/// The subscription ends with ``cancel()`` or when the stream is released (an iteration that
/// ends releases it); then its sequence ends, and the signal's previous action is restored if
/// no other subscription has it.
public final class SignalStream: AsyncSequence, SelectableSource, Sendable {
  /// A delivered signal.
  public typealias Element = UnixSignal
  /// Receiving does not fail.
  public typealias Failure = Never
  /// What a `select` case gets: the signal, or `nil` once the subscription has ended.
  public typealias Output = UnixSignal?

  /// The signals subscribed to.
  public let signals: Set<UnixSignal>

  let subscription: SignalSubscription

  init(signals: Set<UnixSignal>, bufferSize: Int) {
    self.signals = signals
    self.subscription = SignalSubscription(signals: signals, bufferSize: bufferSize)
  }

  deinit {
    cancel()
  }

  /// How many deliveries were dropped because the subscription's buffer was full.
  public var dropped: Int { subscription.dropped }

  /// The next delivery; `nil` once the subscription has ended.
  ///
  /// - Throws: `CancellationError` if the task is cancelled while it waits.
  public func receive() async throws -> UnixSignal? {
    try await subscription.channel.receive()
  }

  /// Ends the subscription. Deliveries already buffered are still read; then the sequence
  /// ends.
  public func cancel() {
    SignalRegistry.shared.unsubscribe(subscription)
  }

  // MARK: select

  /// Takes a buffered delivery for a `select`, if there is one (`.some(nil)`: ended).
  public func selectTryTake() -> UnixSignal?? {
    subscription.channel.selectTryTake()
  }

  /// Keeps a waiting `select`'s case until a signal comes, or fires it at once.
  public func selectRegister(_ waiter: SelectWaiter<UnixSignal?>) {
    subscription.channel.selectRegister(waiter)
  }

  /// Forgets a `select`'s case.
  public func selectDeregister(_ waiter: SelectWaiter<UnixSignal?>) {
    subscription.channel.selectDeregister(waiter)
  }

  /// Receives the deliveries one at a time; the iterator keeps the subscription alive.
  public struct AsyncIterator: AsyncIteratorProtocol {
    let stream: SignalStream
    var base: Channel<UnixSignal>.AsyncIterator

    /// The next delivery, or `nil` once the subscription has ended or the task is cancelled.
    public mutating func next() async -> UnixSignal? {
      await base.next()
    }

    /// The next delivery, or `nil` once the subscription has ended or the task is cancelled.
    public mutating func next(isolation actor: isolated (any Actor)?) async -> UnixSignal? {
      await base.next(isolation: actor)
    }
  }

  /// Starts receiving.
  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(stream: self, base: subscription.channel.makeAsyncIterator())
  }
}

/// What the registry keeps of a ``SignalStream``: its channel and its drop count, not the
/// stream (whose release ends the subscription).
final class SignalSubscription: Sendable {
  let signals: Set<UnixSignal>
  let channel: Channel<UnixSignal>
  private let drops = Lock.make(0)

  init(signals: Set<UnixSignal>, bufferSize: Int) {
    self.signals = signals
    self.channel = Channel(capacity: bufferSize)
  }

  var dropped: Int { drops.withLock { $0 } }

  /// Hands over a delivery without waiting; a full buffer drops it (counted).
  func deliver(_ signal: UnixSignal) {
    if (try? channel.trySend(signal)) == false {
      drops.withLock { $0 += 1 }
    }
  }
}
