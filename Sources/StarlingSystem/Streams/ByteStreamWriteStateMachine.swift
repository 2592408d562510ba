import NIOCore

/// The writing side of a ``ByteStream``: the bytes written and not yet handed to the connection
/// (the queue), the bytes handed to it and not yet in the kernel (in flight), the writers waiting
/// for room or for everything to be written, and the failure that ended writing. No I/O and no
/// locks: ``ByteStreamStorage`` holds it under its lock and carries out what it returns.
///
/// Writes are coalesced: a write appends to the queue and, if no drain is scheduled, asks for
/// one (``Queued/scheduleDrain``); the drain takes the whole queue (``drain()``), which the
/// storage writes to the connection and flushes once, so the lines written between two event
/// loop ticks leave in one system call. A write returns at once while the unwritten bytes
/// (queued and in flight, its own included) are at most `window`; beyond that it waits for room
/// (backpressure: a peer that does not read holds its writers).
///
/// Invariants:
/// - a non-empty queue has a drain scheduled;
/// - a writer waits for room only while more than `window` bytes are unwritten, and for
///   everything to be written (``waitUntilWritten(_:waiter:)``) only while any are;
/// - after a failure nothing is queued and nothing waits: the failure is given to every later
///   write and wait (once the stream is closed, ``StreamError/closed`` instead).
struct ByteStreamWriteStateMachine<Waiter> {
  /// What a write does after its bytes are queued.
  struct Queued: Equatable {
    /// Schedule a drain on the event loop (none is scheduled yet).
    var scheduleDrain: Bool
    /// Wait for room (``waitForRoom(_:waiter:)``): more than the window is unwritten.
    var mustWait: Bool
  }

  /// A waiting writer's number, to find it when it is cancelled.
  typealias WaiterID = UInt64

  private var queue = CircularBuffer<ByteBuffer>()
  /// The last batch's storage, emptied, for the queue to take next.
  private var spare = CircularBuffer<ByteBuffer>()
  private var queuedBytes = 0
  /// The last queued buffer is the machine's own: bytes written as text or an array are copied
  /// into it, so that many small writes make one buffer (and no allocation each).
  private var lastIsOwn = false
  private var inFlightBytes = 0
  private var drainScheduled = false
  private var failure: (any Error)?
  private var writeClosed = false
  private var closed = false
  private var nextID: WaiterID = 0
  private var roomWaiters: [(id: WaiterID, waiter: Waiter)] = []
  private var writtenWaiters: [(id: WaiterID, waiter: Waiter)] = []
  private let window: Int

  init(window: Int = 64 * 1024) {
    self.window = window
  }

  /// Bytes written and not yet in the kernel: queued or in flight.
  var unwritten: Int { queuedBytes + inFlightBytes }

  /// Whether a writer waits (for room or for everything to be written).
  var hasWaiters: Bool { !roomWaiters.isEmpty || !writtenWaiters.isEmpty }

  /// Why a write fails now, or `nil` if it may go on.
  private var refusal: (any Error)? {
    writeClosed ? StreamError.closed : failure
  }

  // MARK: Writers

  /// A writer hands over `buffers`: queued (and what to do next), or the error that ends
  /// writing (nothing is queued then).
  mutating func write(_ buffers: some Sequence<ByteBuffer>) -> Result<Queued, any Error> {
    if let refusal { return .failure(refusal) }
    for buffer in buffers {
      queuedBytes += buffer.readableBytes
      queue.append(buffer)
      lastIsOwn = false
    }
    return .success(queued())
  }

  /// A writer hands over `count` bytes that `copy` writes into a buffer (text, an array):
  /// copied into the last queued buffer if it is the machine's own, else into a new one.
  mutating func write(copying count: Int, _ copy: (inout ByteBuffer) -> Void) -> Result<Queued, any Error> {
    if let refusal { return .failure(refusal) }
    var buffer: ByteBuffer
    if lastIsOwn, let last = queue.popLast() {
      buffer = last
    } else {
      buffer = ByteBufferAllocator().buffer(capacity: max(count, Self.ownCapacity))
    }
    copy(&buffer)
    queue.append(buffer)
    lastIsOwn = true
    queuedBytes += count
    return .success(queued())
  }

  /// The least capacity of the machine's own buffers.
  static var ownCapacity: Int { 1024 }

  private mutating func queued() -> Queued {
    defer { drainScheduled = drainScheduled || !queue.isEmpty }
    return Queued(scheduleDrain: !drainScheduled && !queue.isEmpty, mustWait: unwritten > window)
  }

  /// A number for a writer about to wait.
  mutating func makeWaiterID() -> WaiterID {
    nextID += 1
    return nextID
  }

  /// A writer waits until at most `window` bytes are unwritten: the result now if it need not
  /// wait (room, or the error that ends writing), else `nil` and `waiter` is kept.
  mutating func waitForRoom(_ id: WaiterID, waiter: Waiter) -> Result<Void, any Error>? {
    if closed { return .failure(StreamError.closed) }
    if let failure { return .failure(failure) }
    guard unwritten > window else { return .success(()) }
    roomWaiters.append((id, waiter))
    return nil
  }

  /// A writer waits until every byte written is in the kernel (``ByteStream/flush()``, a
  /// half-close): the result now if it need not wait, else `nil` and `waiter` is kept. A
  /// half-closed stream can still be waited on, a closed one cannot.
  mutating func waitUntilWritten(_ id: WaiterID, waiter: Waiter) -> Result<Void, any Error>? {
    if closed { return .failure(StreamError.closed) }
    if let failure { return .failure(failure) }
    guard unwritten > 0 else { return .success(()) }
    writtenWaiters.append((id, waiter))
    return nil
  }

  /// A waiting writer was cancelled: its waiter, if it still waited (it is gone now). Its bytes
  /// stay queued.
  mutating func cancelWait(_ id: WaiterID) -> Waiter? {
    if let index = roomWaiters.firstIndex(where: { $0.id == id }) {
      return roomWaiters.remove(at: index).waiter
    }
    if let index = writtenWaiters.firstIndex(where: { $0.id == id }) {
      return writtenWaiters.remove(at: index).waiter
    }
    return nil
  }

  /// The writing half closes (``ByteStream/closeWrite()``): later writes fail with
  /// ``StreamError/closed``; what is queued is still written. `false` if it was closed already.
  mutating func closeWrite() -> Bool {
    guard !writeClosed else { return false }
    writeClosed = true
    return true
  }

  /// The stream closes: what is still queued, to write before the connection closes, and the
  /// waiting writers, to fail with ``StreamError/closed``.
  mutating func close() -> (last: CircularBuffer<ByteBuffer>, waiters: [Waiter]) {
    closed = true
    writeClosed = true
    let last = queue
    queue = CircularBuffer()
    queuedBytes = 0
    lastIsOwn = false
    return (last, takeWaiters())
  }

  // MARK: Event loop

  /// The scheduled drain runs: the whole queue, to write and flush once, and its size; `nil`
  /// if there is nothing to write.
  mutating func drain() -> (batch: CircularBuffer<ByteBuffer>, bytes: Int)? {
    drainScheduled = false
    guard !queue.isEmpty else { return nil }
    var batch = spare
    spare = CircularBuffer()
    swap(&batch, &queue)
    lastIsOwn = false
    let bytes = queuedBytes
    inFlightBytes += bytes
    queuedBytes = 0
    return (batch, bytes)
  }

  /// A drained batch's storage, emptied, to reuse for the next.
  mutating func recycle(_ batch: consuming CircularBuffer<ByteBuffer>) {
    batch.removeAll(keepingCapacity: true)
    spare = batch
  }

  /// A batch of `bytes` is in the kernel: the waiters to resume.
  mutating func written(_ bytes: Int) -> [Waiter] {
    inFlightBytes -= bytes
    var resumed: [Waiter] = []
    if unwritten <= window, !roomWaiters.isEmpty {
      resumed = roomWaiters.map(\.waiter)
      roomWaiters.removeAll()
    }
    if unwritten == 0, !writtenWaiters.isEmpty {
      resumed += writtenWaiters.map(\.waiter)
      writtenWaiters.removeAll()
    }
    return resumed
  }

  /// Writing a batch of `bytes` failed with `error` (the first failure counts): what is queued is
  /// dropped, and the waiters are returned, to fail with the error writing now ends with.
  mutating func failed(_ bytes: Int, error: any Error) -> (waiters: [Waiter], error: any Error) {
    inFlightBytes -= bytes
    if failure == nil { failure = error }
    queue.removeAll()
    queuedBytes = 0
    lastIsOwn = false
    return (takeWaiters(), closed ? StreamError.closed : failure ?? error)
  }

  private mutating func takeWaiters() -> [Waiter] {
    defer {
      roomWaiters.removeAll()
      writtenWaiters.removeAll()
    }
    return roomWaiters.map(\.waiter) + writtenWaiters.map(\.waiter)
  }
}
