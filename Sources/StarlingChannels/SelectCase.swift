/// A select case that receives from a ``SelectableSource``: made by ``onReceive(_:_:)``.
///
/// A case is a value: it may be stored and used in more than one select, or twice in one.
public struct ReceiveCase<Source: SelectableSource, Result>: SelectCaseList {
  @usableFromInline let source: Source
  @usableFromInline let handler: (Source.Output) async throws -> Result

  @inlinable
  init(source: Source, handler: @escaping (Source.Output) async throws -> Result) {
    self.source = source
    self.handler = handler
  }

  /// One case.
  @inlinable public var _count: Int { 1 }

  /// Takes a value if the source has one ready, and runs the handler with it.
  @inlinable
  public func _poll(_ index: Int) async throws -> Result? {
    guard let output = source.selectTryTake() else { return nil }
    return try await handler(output)
  }

  /// Registers a ``SelectWaiter`` with the source: one the select kept from an earlier wait,
  /// or a new one.
  @inlinable
  public func _register(_ index: Int, _ context: SelectContext) -> AnyObject {
    let waiter: SelectWaiter<Source.Output>
    if let kept = context.core.reuse(SelectWaiter<Source.Output>.self) {
      kept.index = context.index
      waiter = kept
    } else {
      waiter = SelectWaiter(core: context.core, index: context.index)
    }
    source.selectRegister(waiter)
    return waiter
  }

  /// Deregisters the waiter from the source; the select keeps it for its next wait if the
  /// source is one of this library's.
  @inlinable
  public func _deregister(_ index: Int, _ registration: AnyObject) {
    let waiter = unsafeDowncast(registration, to: SelectWaiter<Source.Output>.self)
    source.selectDeregister(waiter)
    if Source.self is any WaiterRecyclingSource.Type {
      waiter.output = nil
      waiter.core.keep(waiter)
    }
  }

  /// Takes what the waiter received, leaves the source, and runs the handler with it.
  @inlinable
  public func _finish(_ index: Int, _ registration: AnyObject) async throws -> Result {
    let waiter = unsafeDowncast(registration, to: SelectWaiter<Source.Output>.self)
    guard let output = waiter.output else {
      preconditionFailure("a select finished a receive case that received nothing")
    }
    _deregister(index, registration)
    return try await handler(output)
  }
}

/// A select case that sends an element on a ``Channel``: made by
/// ``onSend(_:to:_:)-(_,Channel<Element>,_)``.
///
/// A case is a value: it may be stored and used in more than one select, or twice in one.
public struct SendCase<Element: Sendable, Result>: SelectCaseList {
  @usableFromInline let channel: Channel<Element>
  @usableFromInline let element: Element
  @usableFromInline let handler: () async throws -> Result

  @inlinable
  init(channel: Channel<Element>, element: Element, handler: @escaping () async throws -> Result) {
    self.channel = channel
    self.element = element
    self.handler = handler
  }

  /// One case.
  @inlinable public var _count: Int { 1 }

  /// Sends if that is possible without waiting, and runs the handler.
  @inlinable
  public func _poll(_ index: Int) async throws -> Result? {
    guard try channel.trySend(element) else { return nil }
    return try await handler()
  }

  /// Registers the send with the channel.
  @inlinable
  public func _register(_ index: Int, _ context: SelectContext) -> AnyObject {
    let slot = SelectSendSlot(core: context.core, index: context.index, element: element)
    if case .fired(let counterpart, let select) = channel.state.withLock({ $0.registerSend(slot) }) {
      counterpart.run()
      select.run()
    }
    return slot
  }

  /// Deregisters the send from the channel.
  @inlinable
  public func _deregister(_ index: Int, _ registration: AnyObject) {
    let slot = unsafeDowncast(registration, to: SelectSendSlot<Element>.self)
    channel.state.withLock { $0.removeSelectSender(slot) }
  }

  /// Leaves the channel and runs the handler.
  @inlinable
  public func _finish(_ index: Int, _ registration: AnyObject) async throws -> Result {
    _deregister(index, registration)
    return try await handler()
  }
}

/// A select case that fires when nothing else did in time: made by ``onTimeout(_:_:)`` or
/// ``onTimeout(_:clock:_:)``.
public struct TimeoutCase<Result>: SelectCaseList {
  @usableFromInline let duration: Duration
  @usableFromInline let clock: any Clock<Duration>
  @usableFromInline let handler: () async throws -> Result

  @inlinable
  init(duration: Duration, clock: any Clock<Duration>, handler: @escaping () async throws -> Result) {
    self.duration = duration
    self.clock = clock
    self.handler = handler
  }

  /// No receive or send case.
  @inlinable public var _count: Int { 0 }
  /// The timeout: this case.
  @inlinable public var _timeout: TimeoutCase<Result>? { self }
  /// Never called: the list has no receive or send case.
  @inlinable public func _poll(_ index: Int) async throws -> Result? { nil }
  /// Never called: the list has no receive or send case.
  @inlinable public func _register(_ index: Int, _ context: SelectContext) -> AnyObject {
    preconditionFailure("a timeout case registers nothing")
  }
  /// Never called: the list has no receive or send case.
  @inlinable public func _deregister(_ index: Int, _ registration: AnyObject) {}
  /// Never called: the list has no receive or send case.
  @inlinable public func _finish(_ index: Int, _ registration: AnyObject) async throws -> Result {
    preconditionFailure("a timeout case is finished by the select itself")
  }
}

/// A select case that fires when no other case is ready: made by ``onDefault(_:)``.
public struct DefaultCase<Result>: SelectCaseList {
  @usableFromInline let handler: () async throws -> Result

  @inlinable
  init(handler: @escaping () async throws -> Result) {
    self.handler = handler
  }

  /// No receive or send case.
  @inlinable public var _count: Int { 0 }
  /// The default.
  @inlinable public var _default: (() async throws -> Result)? { handler }
  /// Never called: the list has no receive or send case.
  @inlinable public func _poll(_ index: Int) async throws -> Result? { nil }
  /// Never called: the list has no receive or send case.
  @inlinable public func _register(_ index: Int, _ context: SelectContext) -> AnyObject {
    preconditionFailure("a default case registers nothing")
  }
  /// Never called: the list has no receive or send case.
  @inlinable public func _deregister(_ index: Int, _ registration: AnyObject) {}
  /// Never called: the list has no receive or send case.
  @inlinable public func _finish(_ index: Int, _ registration: AnyObject) async throws -> Result {
    preconditionFailure("a default case is run by the select itself")
  }
}

/// A select case that receives from `source`: a ``Channel``, a ``ReceiveChannel``, a
/// ``BroadcastSubscription``, or any other ``SelectableSource``.
///
/// For a channel the handler gets the element, or `nil` if the channel is closed and drained.
@inlinable
public func onReceive<Source: SelectableSource, Result>(
  _ source: Source, _ handler: @escaping (Source.Output) async throws -> Result
) -> ReceiveCase<Source, Result> {
  ReceiveCase(source: source, handler: handler)
}

/// A select case that sends `element` on `channel`.
///
/// If the case does not fire, the element is not sent. If the channel is closed, the select
/// throws ``ChannelError/closed``.
@inlinable
public func onSend<Element, Result>(
  _ element: Element, to channel: Channel<Element>, _ handler: @escaping () async throws -> Result
) -> SendCase<Element, Result> {
  SendCase(channel: channel, element: element, handler: handler)
}

/// A select case that sends `element` on `channel`, with nothing to run when it fires.
@inlinable
public func onSend<Element>(_ element: Element, to channel: Channel<Element>) -> SendCase<Element, Void> {
  onSend(element, to: channel) {}
}

/// A select case that sends `element` through a send-only view of a channel.
///
/// If the case does not fire, the element is not sent. If the channel is closed, the select
/// throws ``ChannelError/closed``.
@inlinable
public func onSend<Element, Result>(
  _ element: Element, to channel: SendChannel<Element>, _ handler: @escaping () async throws -> Result
) -> SendCase<Element, Result> {
  onSend(element, to: channel.channel, handler)
}

/// A select case that sends `element` through a send-only view of a channel, with nothing to
/// run when it fires.
@inlinable
public func onSend<Element>(_ element: Element, to channel: SendChannel<Element>) -> SendCase<Element, Void> {
  onSend(element, to: channel.channel) {}
}

/// A select case that fires when no other case has fired within `duration`, on the real clock
/// (`ContinuousClock`).
@inlinable
public func onTimeout<Result>(
  _ duration: Duration, _ handler: @escaping () async throws -> Result
) -> TimeoutCase<Result> {
  TimeoutCase(duration: duration, clock: ContinuousClock(), handler: handler)
}

/// A select case that fires when no other case has fired within `duration` on `clock`.
///
/// With a ``ManualClock`` a test decides when the timeout fires: the select's timer sleeps on
/// the clock until the test advances it past `duration`.
///
/// ```swift
/// let outcome = try await select {
///   onReceive(jobs) { _ in "job" }
///   onTimeout(.seconds(30), clock: clock) { "timed out" }
/// }
/// ```
@inlinable
public func onTimeout<Result>(
  _ duration: Duration, clock: some Clock<Duration>, _ handler: @escaping () async throws -> Result
) -> TimeoutCase<Result> {
  TimeoutCase(duration: duration, clock: clock, handler: handler)
}

/// A select case that fires at once when no other case is ready: the select never waits.
@inlinable
public func onDefault<Result>(_ handler: @escaping () async throws -> Result) -> DefaultCase<Result> {
  DefaultCase(handler: handler)
}
