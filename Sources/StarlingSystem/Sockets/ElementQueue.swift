import NIOCore

import struct StarlingChannels.Lock

/// A bounded queue of elements a channel produces on its event loop (connections a listener
/// accepts, datagrams a socket receives), read by one task at a time. While it is full the
/// channel is not read, so the system's own queue (the listen backlog, the socket's receive
/// buffer) holds what comes next.
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

  /// Queues `element`, or hands it to the waiting reader. Called on the channel's event loop.
  func push(_ element: Element) {
    let (reader, handed, rejected) = state.withLock { state in
      let (handed, rejected) = state.machine.push(element)
      guard handed != nil else { return (nil as CheckedContinuation<Element?, any Error>?, handed, rejected) }
      defer { state.reader = nil }
      return (state.reader, handed, rejected)
    }
    if let handed { reader?.resume(returning: handed) }
    if let rejected { dispose(rejected) }
  }

  /// Ends the queue: the reader reads what is queued, then `nil` (or `failure`).
  func finish(_ failure: (any Error)? = nil) {
    let (reader, result) = state.withLock { state in
      let result = state.machine.finish(failure.map { .failed($0) } ?? .finished)
      defer { if result != nil { state.reader = nil } }
      return (state.reader, result)
    }
    if let result { reader?.resume(with: result) }
  }

  /// Ends the queue and disposes of what nobody will read now.
  func close() {
    let (reader, result, left) = state.withLock { state in
      let (result, left) = state.machine.close()
      defer {
        if result != nil { state.reader = nil }
        state.channel = nil
      }
      return (state.reader, result, left)
    }
    if let result { reader?.resume(with: result) }
    left.forEach(dispose)
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
