import NIOCore
import StarlingNetwork

import struct StarlingChannels.Lock

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a ``ByteStream`` shares with its channel handler: the reading state machine and the
/// waiting reader under one lock, and the channel that writes go to.
///
/// The waiting reader's continuation is stored in the same critical section in which the state
/// machine records its read, and taken in the one in which the machine serves it: a read is
/// served exactly once, and never to nobody. Continuations are resumed after the lock is
/// released.
final class ByteStreamStorage: Sendable {
  private struct State {
    var machine = ByteStreamStateMachine()
    var reader: CheckedContinuation<ByteBuffer?, any Error>?
    var writeClosed = false
    var closed = false
  }

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

  /// Writes `buffers` in order and flushes once; returns when the last is written.
  func write(_ buffers: [ByteBuffer]) async throws {
    if let writeRefusal { throw StreamError.notWritable(writeRefusal) }
    if state.withLock({ $0.writeClosed }) { throw StreamError.closed }
    let channel = channel
    let promise = channel.eventLoop.makePromise(of: Void.self)
    if buffers.count == 1 {
      channel.writeAndFlush(buffers[0], promise: promise)
    } else {
      channel.eventLoop.execute {
        for buffer in buffers.dropLast() { channel.write(buffer, promise: nil) }
        channel.writeAndFlush(buffers.last ?? ByteBuffer(), promise: promise)
      }
    }
    do {
      try await promise.futureResult.cancellableValue()
    } catch is CancellationError {
      throw CancellationError()
    } catch {
      throw writeFailure(error)
    }
  }

  /// Closes the writing half: the peer reads to its end. A stream that is only written (a
  /// child's standard input) closes entirely.
  func closeWrite() async throws {
    if let writeRefusal { throw StreamError.notWritable(writeRefusal) }
    let already = state.withLock { state in
      defer { state.writeClosed = true }
      return state.writeClosed
    }
    guard !already else { return }
    do {
      try await channel.close(mode: readRefusal == nil ? .output : .all).cancellableValue()
    } catch let error as ChannelError where error == .alreadyClosed || error == .outputClosed {
      // Gone already: the peer sees its end either way.
    }
  }

  /// Closes the stream: a waiting read fails with ``StreamError/closed``, and so does every
  /// read and write from now on.
  func close() {
    serve { state in
      state.closed = true
      state.writeClosed = true
      return state.machine.close() ? .failure(StreamError.closed) : nil
    }
    channel.close(promise: nil)
  }

  private func writeFailure(_ error: any Error) -> any Error {
    if state.withLock({ $0.closed }) { return StreamError.closed }
    switch error {
    case let error as IOError where error.errnoCode == EPIPE || error.errnoCode == ECONNRESET:
      return StreamError.peerClosed
    case let error as ChannelError:
      return error == .outputClosed && state.withLock({ $0.writeClosed })
        ? StreamError.closed : StreamError.peerClosed
    case is SPError, is StreamError:
      return error
    default:
      return StreamError.ioFailed("\(error)")
    }
  }
}
