import Foundation
import StarlingChannels
import Synchronization

/// A bounded queue between two modules, or the dead end of a queue no route connects.
///
/// A route (`a.outbox -> b.inbox`) is one queue: `a` sends into it, `b` receives from it.
/// ``send(_:)`` waits while the queue is full, so a slow consumer slows its producer instead
/// of losing events. A queue no route connects accepts every event and drops it, counting
/// what it drops.
public final class PipelineQueue: Sendable {
  /// The queue's name: `a.outbox -> b.inbox`, or `a.outbox` when nothing is connected.
  public let name: String
  /// The module that sends into the queue.
  public let module: String
  /// The sending module's name for the queue.
  public let queue: String
  /// How many events the queue holds; 0 for an unconnected queue.
  public let capacity: Int
  private let channel: Channel<Event>?
  private let counters = Counters()

  /// A queue that connects two modules and holds up to `capacity` events.
  init(from: QueueReference, to: QueueReference, capacity: Int) {
    self.name = "\(from) -> \(to)"
    self.module = from.module
    self.queue = from.queue
    self.capacity = capacity
    self.channel = Channel(capacity: capacity)
  }

  /// A queue nothing receives from: it drops and counts.
  init(unconnected reference: QueueReference) {
    self.name = reference.description
    self.module = reference.module
    self.queue = reference.queue
    self.capacity = 0
    self.channel = nil
  }

  /// Whether a route connects the queue to a consumer.
  public var isConnected: Bool { channel != nil }

  /// Sends an event, waiting while the queue is full. An unconnected queue drops it.
  ///
  /// - Throws: ``PipelineError/queueClosed(_:)`` if the pipeline has stopped this queue;
  ///   `CancellationError` if the task is cancelled while waiting.
  public func send(_ event: Event) async throws {
    guard let channel else {
      counters.dropped.add(1, ordering: .relaxed)
      return
    }
    do {
      try await channel.send(event)
    } catch is ChannelError {
      counters.dropped.add(1, ordering: .relaxed)
      throw PipelineError.queueClosed(name)
    }
    counters.received.add(1, ordering: .relaxed)
  }

  /// Sends an event if there is room now; otherwise (or when closed) drops and counts it.
  ///
  /// - Returns: whether the event was queued.
  @discardableResult
  public func offer(_ event: Event) -> Bool {
    if let channel, (try? channel.trySend(event)) == true {
      counters.received.add(1, ordering: .relaxed)
      return true
    }
    counters.dropped.add(1, ordering: .relaxed)
    return false
  }

  /// The next event, waiting for one; `nil` once the queue is closed and drained (or the task
  /// is cancelled).
  func next() async -> Event? {
    // A channel hands out buffered elements without checking for cancellation; a stop at
    // once cancels the consumers, and what is still queued must then stay there.
    guard let channel, !Task.isCancelled, let event = try? await channel.receive() else { return nil }
    counters.sent.add(1, ordering: .relaxed)
    return event
  }

  /// Stops the queue: what is in it can still be received, nothing more can be sent.
  func close() {
    channel?.close()
  }

  /// The queue's counters now.
  public var statistics: QueueStatistics {
    QueueStatistics(
      name: name, module: module, queue: queue, size: channel?.count ?? 0, capacity: capacity,
      received: counters.received.load(ordering: .relaxed), sent: counters.sent.load(ordering: .relaxed),
      dropped: counters.dropped.load(ordering: .relaxed))
  }

  private final class Counters: Sendable {
    let received = Atomic<Int>(0)
    let sent = Atomic<Int>(0)
    let dropped = Atomic<Int>(0)
  }
}

/// A queue's counters at one moment.
public struct QueueStatistics: Sendable, Hashable {
  /// The queue's name (``PipelineQueue/name``).
  public var name: String
  /// The module that sends into it.
  public var module: String
  /// The sending module's name for it.
  public var queue: String
  /// Events in the queue now.
  public var size: Int
  /// How many events it holds at most (0 when unconnected).
  public var capacity: Int
  /// Events put into the queue so far.
  public var received: Int
  /// Events taken out of it so far.
  public var sent: Int
  /// Events dropped: sent to an unconnected queue, offered to a full one, or sent after the
  /// pipeline stopped it.
  public var dropped: Int
}

/// One end of a route: a module's name and one of its queues (`decode.inbox`).
public struct QueueReference: Sendable, Hashable, CustomStringConvertible {
  /// The module's name.
  public var module: String
  /// The queue's name.
  public var queue: String

  /// Names a queue of a module.
  public init(module: String, queue: String) {
    self.module = module
    self.queue = queue
  }

  /// Parses `module.queue`; `nil` unless both parts are there.
  public init?(_ text: some StringProtocol) {
    var trimmed = text[...]
    while trimmed.first == " " || trimmed.first == "\t" { trimmed.removeFirst() }
    while trimmed.last == " " || trimmed.last == "\t" { trimmed.removeLast() }
    guard let dot = trimmed.lastIndex(of: "."), dot != trimmed.startIndex,
      trimmed.index(after: dot) != trimmed.endIndex
    else { return nil }
    self.module = String(trimmed[..<dot])
    self.queue = String(trimmed[trimmed.index(after: dot)...])
  }

  /// `module.queue`.
  public var description: String { "\(module).\(queue)" }
}
