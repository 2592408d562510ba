import NIOCore
import StarlingNetwork

import struct StarlingChannels.Lock

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a ``ByteStream`` shares with its channel handler: the reading and writing state machines
/// and the waiting reader under one lock, and the channel that writes go to.
///
/// The waiting reader's continuation is stored in the same critical section in which the state
/// machine records its read, and taken in the one in which the machine serves it: a read is
/// served exactly once, and never to nobody. Continuations are resumed after the lock is
/// released.
final class ByteStreamStorage: Sendable {
  private struct State {
    var machine = ByteStreamStateMachine()
    var reader: CheckedContinuation<ByteBuffer?, any Error>?
    var writer = Writer()
  }

  /// The writing state machine, its waiting writers' continuations.
  private typealias Writer = ByteStreamWriteStateMachine<CheckedContinuation<Void, any Error>>

  /// The connection (or pipe).
  let channel: any Channel
  /// Why the stream cannot be read, or `nil` if it can.
  let readRefusal: String?
  /// Why the stream cannot be written, or `nil` if it can.
  let writeRefusal: String?

  private let state = Lock.make(State())

  init(channel: any Channel, readRefusal: String? = nil, writeRefusal: String? = nil) {
    self.channel = channel
    self.readRefusal = readRefusal
    self.writeRefusal = writeRefusal
  }

  // MARK: Reading

  /// Serves `request`: at once if the buffered bytes (or the end) serve it, without suspending;
  /// otherwise when they do.
  func read(_ request: ByteStreamRead) async throws -> ByteBuffer? {
    if let readRefusal { throw StreamError.notReadable(readRefusal) }
    return try await state.serveRead { state, reader in
      let step = state.machine.read(request, mayWait: reader != nil)
      if case .wait = step, let reader { state.reader = reader }
      return step
    } cancel: { state in
      guard state.machine.cancelWaitingRead() else { return nil }
      defer { state.reader = nil }
      return state.reader
    } resumeReading: {
      resumeReading()
    }
  }

  /// How many bytes are buffered, not read yet.
  var buffered: Int {
    state.withLock { $0.machine.buffered }
  }

  /// Whether a read is waiting.
  var isReading: Bool {
    state.withLock { $0.machine.isWaiting }
  }

  /// The connection asks to read: whether it may now. Called on the event loop.
  func readRequested() -> Bool {
    state.withLock { $0.machine.readRequested() }
  }

  /// Bytes arrived. Called on the event loop.
  func received(_ chunk: inout ByteBuffer) {
    serve { $0.machine.received(&chunk) }
  }

  /// The stream ended, cleanly or with `failure`. Called on the event loop.
  func ended(_ end: ByteStreamStateMachine.End) {
    serve { $0.machine.ended(end) }
  }

  /// Changes the state with `change`, which may serve the waiting task's read (its result)
  /// or the waiting select's line; resumes whichever was served, after the lock.
  private func serve(_ change: (inout State) -> Result<ByteBuffer?, any Error>?) {
    let (reader, result, select) = state.withLock { state in
      let result = change(&state)
      let select = state.machine.serveSelect()
      guard result != nil else {
        return (nil as CheckedContinuation<ByteBuffer?, any Error>?, result, select)
      }
      defer { state.reader = nil }
      return (state.reader, result, select)
    }
    if let result { reader?.resume(with: result) }
    if let (claim, line) = select { claim.fire(with: line) }
  }

  // MARK: select

  /// A line for a select now (or the end, or a failure), or `nil` if there is none yet.
  func selectTryLine(maxLength: Int) -> Result<String?, any Error>? {
    if let readRefusal { return .failure(StreamError.notReadable(readRefusal)) }
    let (line, resume) = state.withLock { $0.machine.selectTryLine(maxLength: maxLength) }
    if resume { resumeReading() }
    return line
  }

  /// Keeps a select's case waiting for a line, or fires it at once.
  func selectRegisterLine(_ waiter: ByteStreamStateMachine.LineWaiter, maxLength: Int) {
    if let readRefusal {
      waiter.claim()?.fire(with: .failure(StreamError.notReadable(readRefusal)))
      return
    }
    let (fire, resume) = state.withLock { $0.machine.selectRegisterLine(waiter, maxLength: maxLength) }
    if resume { resumeReading() }
    if let (claim, line) = fire { claim.fire(with: line) }
  }

  /// Forgets a select's case.
  func selectDeregisterLine(_ waiter: ByteStreamStateMachine.LineWaiter) {
    state.withLock { $0.machine.selectDeregister(waiter) }
  }

  /// Lets the connection read again (it was held back while the buffer was full).
  private func resumeReading() {
    let channel = channel
    channel.eventLoop.execute { channel.read() }
  }

  // MARK: Writing

  /// What waits for the writing side: room in the window, or everything written.
  private enum WriteWait {
    case room
    case written
  }

  /// Queues `buffers` (written in order, and whole beside other writers'), to go out with
  /// everything else written before the event loop's next turn, in one flush; waits only while
  /// more than the window is unwritten.
  func write(_ buffers: some Sequence<ByteBuffer>) async throws {
    if let writeRefusal { throw StreamError.notWritable(writeRefusal) }
    try await carryOut(state.withLock { try $0.writer.write(buffers).get() })
  }

  /// Queues `count` bytes that `copy` writes into a buffer (text, an array), as
  /// ``write(_:)`` does; many small ones share one buffer.
  func write(copying count: Int, _ copy: (inout ByteBuffer) -> Void) async throws {
    if let writeRefusal { throw StreamError.notWritable(writeRefusal) }
    try await carryOut(state.withLock { try $0.writer.write(copying: count, copy).get() })
  }

  /// After a write is queued: schedules the drain, and waits for room, as the machine says.
  private func carryOut(_ queued: Writer.Queued) async throws {
    if queued.scheduleDrain {
      channel.eventLoop.execute { self.drain() }
    }
    if queued.mustWait { try await wait(.room) }
  }

  /// Waits until every byte written so far is in the kernel.
  func flush() async throws {
    if let writeRefusal { throw StreamError.notWritable(writeRefusal) }
    try await wait(.written)
  }

  /// Writes everything queued and flushes once; when it is in the kernel, resumes the writers
  /// that waited for it, or fails them if writing failed. Runs on the event loop.
  private func drain() {
    guard let (batch, bytes) = state.withLock({ $0.writer.drain() }) else { return }
    let promise = channel.eventLoop.makePromise(of: Void.self)
    for (index, buffer) in batch.enumerated() {
      // Writes complete in order: the last one's promise says the whole batch is written.
      channel.write(buffer, promise: index == batch.count - 1 ? promise : nil)
    }
    channel.flush()
    state.withLock { $0.writer.recycle(batch) }
    promise.futureResult.whenComplete { result in
      switch result {
      case .success:
        for writer in self.state.withLock({ $0.writer.written(bytes) }) { writer.resume() }
      case .failure(let error):
        let (writers, error) = self.state.withLock {
          $0.writer.failed(bytes, error: Self.writeFailure(error))
        }
        for writer in writers { writer.resume(throwing: error) }
      }
    }
  }

  /// Waits for `condition`; a cancelled wait throws `CancellationError` and leaves the bytes
  /// queued.
  private func wait(_ condition: WriteWait) async throws {
    let id = state.withLock { $0.writer.makeWaiterID() }
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (writer: CheckedContinuation<Void, any Error>) in
        // Checked under the lock: a cancellation after this finds the writer kept.
        let now = state.withLock { state -> Result<Void, any Error>? in
          if Task.isCancelled { return .failure(CancellationError()) }
          return switch condition {
          case .room: state.writer.waitForRoom(id, waiter: writer)
          case .written: state.writer.waitUntilWritten(id, waiter: writer)
          }
        }
        if let now { writer.resume(with: now) }
      }
    } onCancel: {
      state.withLock { $0.writer.cancelWait(id) }?.resume(throwing: CancellationError())
    }
  }

  /// Closes the writing half once everything written is in the kernel: the peer reads to its
  /// end. A stream that is only written (a child's standard input) closes entirely. Throws the
  /// failure that ended writing, if any.
  func closeWrite() async throws {
    if let writeRefusal { throw StreamError.notWritable(writeRefusal) }
    guard state.withLock({ $0.writer.closeWrite() }) else { return }
    var failure: (any Error)?
    do {
      try await wait(.written)
    } catch is CancellationError {
      // What is queued is still written; the writing half stays open until `close()`.
      throw CancellationError()
    } catch {
      failure = error
    }
    do {
      try await channel.close(mode: readRefusal == nil ? .output : .all).cancellableValue()
    } catch let error as ChannelError where error == .alreadyClosed || error == .outputClosed {
      // Gone already: the peer sees its end either way.
    }
    if let failure { throw failure }
  }

  /// Closes the stream: a waiting read or write fails with ``StreamError/closed``, and so does
  /// every read and write from now on. What is still queued is handed to the connection first;
  /// what the kernel does not take at once is dropped.
  func close() {
    var last = CircularBuffer<ByteBuffer>()
    var writers: [CheckedContinuation<Void, any Error>] = []
    serve { state in
      (last, writers) = state.writer.close()
      return state.machine.close() ? .failure(StreamError.closed) : nil
    }
    for writer in writers { writer.resume(throwing: StreamError.closed) }
    let channel = channel
    guard !last.isEmpty else { return channel.close(promise: nil) }
    channel.eventLoop.execute { [last] in
      for buffer in last { channel.write(buffer, promise: nil) }
      channel.flush()
      channel.close(promise: nil)
    }
  }

  /// A write failure as the stream reports it.
  private static func writeFailure(_ error: any Error) -> any Error {
    switch error {
    case let error as IOError where error.errnoCode == EPIPE || error.errnoCode == ECONNRESET:
      StreamError.peerClosed
    case is ChannelError:
      StreamError.peerClosed
    case is SPError, is StreamError:
      error
    default:
      StreamError.ioFailed("\(error)")
    }
  }
}
