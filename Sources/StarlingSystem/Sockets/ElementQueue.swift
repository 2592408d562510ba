import NIOCore

import struct StarlingChannels.Lock
import struct StarlingChannels.SelectClaim
import class StarlingChannels.SelectWaiter

/// A bounded queue of elements a channel produces on its event loop (connections a listener
/// accepts, datagrams a socket receives), read by one task at a time and by any number of
/// `select`s (the ``SelectableSource`` of its owner). While it is full the channel is not read,
/// so the system's own queue (the listen backlog, the socket's receive buffer) holds what comes
/// next.
final class ElementQueue<Element: Sendable>: Sendable {
  private struct State {
    var machine: ElementQueueStateMachine<Element>
    var reader: CheckedContinuation<Element?, any Error>?
    var channel: (any Channel)?
  }

  private let state: Lock<State>
  /// What is done with an element nobody will read (a connection is closed).
  private let dispose: @Sendable (Element) -> Void

  init(capacity: Int, dispose: @escaping @Sendable (Element) -> Void = { _ in }) {
    state = Lock.make(State(machine: ElementQueueStateMachine(capacity: capacity)))
    self.dispose = dispose
  }

  /// The channel to read again when the queue has room.
  func setChannel(_ channel: any Channel) {
    state.withLock { $0.channel = channel }
  }

  /// The next element, at once if one is queued; `nil` once the queue has ended and is empty.
  func next() async throws -> Element? {
    try await state.serveRead { state, reader in
      let step = state.machine.next(mayWait: reader != nil)
      if case .wait = step, let reader { state.reader = reader }
      return step
    } cancel: { state in
      guard state.machine.cancelWaiting() else { return nil }
      defer { state.reader = nil }
      return state.reader
    } resumeReading: {
      resumeReading()
    }
  }

  /// Whether the channel may read now. Called on its event loop.
  func readRequested() -> Bool {
    state.withLock { $0.machine.readRequested() }
  }

  /// Hands `element` to the waiting task or a waiting select, or queues it. Called on the
  /// channel's event loop.
  func push(_ element: Element) {
    let (push, reader) = state.withLock { state in
      let push = state.machine.push(element)
      guard case .reader = push else { return (push, nil as CheckedContinuation<Element?, any Error>?) }
      defer { state.reader = nil }
      return (push, state.reader)
    }
    switch push {
    case .reader(let element): reader?.resume(returning: element)
    case .select(let claim, let element): claim.fire(with: element)
    case .queued: break
    case .rejected(let element): dispose(element)
    }
  }

  /// Ends the queue: readers read what is queued, then `nil`.
  func finish() {
    end { $0.finish() }
  }

  /// Ends the queue and disposes of what nobody will read now.
  func close() {
    end { $0.close() }
    state.withLock { $0.channel = nil }
  }

  // MARK: select

  /// An element (or `.some(nil)` after the end) for a select, if there is one now.
  func selectTryTake() -> Element?? {
    let (output, resume) = state.withLock { $0.machine.selectTryTake() }
    if resume { resumeReading() }
    return output
  }

  /// Keeps a waiting select's case, or fires it at once.
  func selectRegister(_ waiter: SelectWaiter<Element?>) {
    let (fire, resume) = state.withLock { $0.machine.selectRegister(waiter) }
    if resume { resumeReading() }
    if let (claim, output) = fire { claim.fire(with: output) }
  }

  /// Forgets a select's case.
  func selectDeregister(_ waiter: SelectWaiter<Element?>) {
    state.withLock { $0.machine.selectDeregister(waiter) }
  }

  /// Ends the machine with `ending` and carries out what that leaves to do, outside the lock.
  private func end(
    _ ending: (inout ElementQueueStateMachine<Element>) -> ElementQueueStateMachine<Element>.End
  ) {
    let (end, reader) = state.withLock { state in
      let end = ending(&state.machine)
      guard end.readerEnds else { return (end, nil as CheckedContinuation<Element?, any Error>?) }
      defer { state.reader = nil }
      return (end, state.reader)
    }
    reader?.resume(returning: nil)
    for claim in end.claims { claim.fire(with: nil) }
    end.left.forEach(dispose)
  }

  private func resumeReading() {
    guard let channel = state.withLock({ $0.channel }) else { return }
    channel.eventLoop.execute { channel.read() }
  }
}

/// Holds back a channel's reads while its ``ElementQueue`` is full.
final class ElementQueueGate<Element: Sendable>: ChannelOutboundHandler {
  typealias OutboundIn = Any

  private let queue: ElementQueue<Element>

  init(queue: ElementQueue<Element>) {
    self.queue = queue
  }

  func read(context: ChannelHandlerContext) {
    if queue.readRequested() { context.read() }
  }
}
