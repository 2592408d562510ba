import Synchronization

/// One channel case of a `select`, as the select drives it.
///
/// A clause lives inside one `select` call, in the caller's isolation; only its slot (which is
/// `Sendable`) is handed to the channel.
@usableFromInline
protocol SelectClause<Result>: AnyObject {
  associatedtype Result

  /// Forgets what an earlier `select` left in the clause: a case value may be used again.
  func reset()

  /// Tries the operation without waiting and without registering. `true` if it completed.
  func poll() throws -> Bool

  /// Registers the case with its channel under `core`; completes it at once if it can.
  ///
  /// Returns `false` when the select fired (through this case or another): stop registering.
  func register(core: SelectCore, index: Int) -> Bool

  /// Removes the case from its channel's queue, if it still waits there.
  func deregister()

  /// Runs the case's handler with what the operation received. Called on the fired case only.
  func finish() async throws -> Result
}

@usableFromInline
final class ReceiveClause<Element: Sendable, Result>: SelectClause {
  @usableFromInline let channel: Channel<Element>
  @usableFromInline let handler: (Element?) async throws -> Result
  @usableFromInline var received: Element?? = nil
  @usableFromInline var slot: SelectReceiveSlot<Element>?
  @usableFromInline var waitingID: UInt64?

  @inlinable
  init(channel: Channel<Element>, handler: @escaping (Element?) async throws -> Result) {
    self.channel = channel
    self.handler = handler
  }

  @inlinable
  func reset() {
    received = nil
    slot = nil
    waitingID = nil
  }

  @inlinable
  func poll() throws -> Bool {
    switch channel.state.withLock({ $0.tryReceive() }) {
    case .element(let element, let wake):
      wake.run()
      received = .some(element)
      return true
    case .closed:
      received = .some(nil)
      return true
    case .empty:
      return false
    }
  }

  @inlinable
  func register(core: SelectCore, index: Int) -> Bool {
    let slot = SelectReceiveSlot<Element>(core: core, index: index)
    self.slot = slot
    switch channel.state.withLock({ $0.registerReceive(slot) }) {
    case .waiting(let id):
      waitingID = id
      return true
    case .fired(let counterpart, let select):
      counterpart.run()
      select.run()
      return false
    case .selectAlreadyFired:
      return false
    }
  }

  @inlinable
  func deregister() {
    guard let id = waitingID else { return }
    waitingID = nil
    _ = channel.state.withLock { $0.removeReceiver(id: id) }
  }

  @inlinable
  func finish() async throws -> Result {
    // `received` (from poll) or the slot's delivery (from a counterpart) is `.some(nil)` for a
    // closed channel: keep the two optional levels apart.
    var outcome = received
    if case .none = outcome, let slot { outcome = slot.delivery.withLock { $0 } }
    guard case .some(let value) = outcome else {
      preconditionFailure("a select finished a receive case that received nothing")
    }
    return try await handler(value)
  }
}

@usableFromInline
final class SendClause<Element: Sendable, Result>: SelectClause {
  @usableFromInline let channel: Channel<Element>
  @usableFromInline let element: Element
  @usableFromInline let handler: () async throws -> Result
  @usableFromInline var waitingID: UInt64?

  @inlinable
  init(channel: Channel<Element>, element: Element, handler: @escaping () async throws -> Result) {
    self.channel = channel
    self.element = element
    self.handler = handler
  }

  @inlinable
  func reset() {
    waitingID = nil
  }

  @inlinable
  func poll() throws -> Bool {
    try channel.trySend(element)
  }

  @inlinable
  func register(core: SelectCore, index: Int) -> Bool {
    let slot = SelectSendSlot(core: core, index: index, element: element)
    switch channel.state.withLock({ $0.registerSend(slot) }) {
    case .waiting(let id):
      waitingID = id
      return true
    case .fired(let counterpart, let select):
      counterpart.run()
      select.run()
      return false
    case .selectAlreadyFired:
      return false
    }
  }

  @inlinable
  func deregister() {
    guard let id = waitingID else { return }
    waitingID = nil
    _ = channel.state.withLock { $0.removeSender(id: id) }
  }

  @inlinable
  func finish() async throws -> Result {
    try await handler()
  }
}
