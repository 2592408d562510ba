import NIOCore

import struct StarlingChannels.SelectClaim
import class StarlingChannels.SelectWaiter

/// What a reader of a ``ByteStream`` asks for.
enum ByteStreamRead: Sendable {
  /// At least one byte and at most this many; `nil` at the end.
  case upTo(Int)
  /// Exactly this many bytes. With `endAllowed`, `nil` if the stream ends before the first
  /// byte (a clean end between packets); an end after it is an error.
  case exactly(Int, endAllowed: Bool)
  /// The bytes before `delimiter` (which is consumed, not returned), at most `maxLength` of
  /// them; at the end, what is left (or `nil` if nothing). A `line` also drops a `\r` before
  /// the delimiter.
  case delimited([UInt8], maxLength: Int, line: Bool)
}

/// The reading side of a ``ByteStream``: the bytes received and not yet read, how the stream
/// ended, the one waiting read, and whether the connection may be read from (backpressure).
/// No I/O and no locks: ``ByteStreamStorage`` holds it under its lock and carries out what it
/// returns. A waiting read is a task's (`pending`) or a `select`'s, waiting for a line
/// (`selecting`, ``ByteStream/Lines``); a select's claim is made here, under that lock.
///
/// Invariants:
/// - at most one read waits (`pending` or `selecting`); its request could not be served when
///   it was made, and is served by the first ``received(_:)`` or ``ended(_:)`` (then
///   ``serveSelect()``) that can serve it;
/// - the connection is read only while fewer than `highWater` bytes are buffered, or while the
///   waiting read needs more than that (a long line, a large `readExactly`), and never after
///   the end;
/// - bytes leave the buffer only through a served read: an error (a line too long, an early
///   end) leaves them where they are.
struct ByteStreamStateMachine {
  /// How the stream ended.
  enum End {
    /// The peer closed its side: what is buffered is still read, then reads return `nil`.
    case finished
    /// The connection failed: what is buffered is still read, then reads throw this.
    case failed(any Error)
    /// This side closed the stream: reads throw ``StreamError/closed`` at once.
    case closed
  }

  /// A select's case waiting for a line.
  typealias LineWaiter = SelectWaiter<Result<String?, any Error>>
  /// A won claim on a select, to fire (after the lock) with the line.
  typealias LineClaim = SelectClaim<Result<String?, any Error>>

  private var buffer: ByteBuffer
  private var end: End?
  private var pending: ByteStreamRead?
  private var selecting: (waiter: LineWaiter, maxLength: Int)?
  /// For a waiting delimited read: how many buffered bytes were searched already.
  private var searched = 0
  /// The connection asked to be read and was held back.
  private var readHeld = false
  private let highWater: Int

  init(highWater: Int = 64 * 1024) {
    self.buffer = ByteBuffer()
    self.highWater = highWater
  }

  /// Bytes received and not read yet.
  var buffered: Int { buffer.readableBytes }

  /// Whether a read is waiting.
  var isWaiting: Bool { pending != nil || selecting != nil }

  // MARK: Reader side

  /// A reader asks for `request`. Without `mayWait`, a read that cannot be served now
  /// changes nothing and returns `.wait`; with it, the read is kept
  /// as the waiting one.
  mutating func read(_ request: ByteStreamRead, mayWait: Bool) -> ReadStep<ByteBuffer?> {
    guard !isWaiting else {
      return .done(.failure(StreamError.readInProgress), resumeReading: false)
    }
    searched = 0
    if let result = serve(request) {
      return .done(result, resumeReading: takeResume())
    }
    guard mayWait else { return .wait(resumeReading: false) }
    pending = request
    return .wait(resumeReading: takeResume())
  }

  /// The waiting reader was cancelled: `true` if there was one (it is gone now).
  mutating func cancelWaitingRead() -> Bool {
    guard pending != nil else { return false }
    pending = nil
    searched = 0
    return true
  }

  /// This side closed the stream: the waiting read, if any, fails with
  /// ``StreamError/closed``; returns whether a task's read waited (a select's is served by
  /// ``serveSelect()``).
  mutating func close() -> Bool {
    end = .closed
    buffer = ByteBuffer()
    return cancelWaitingRead()
  }

  // MARK: Selects

  /// A select asks for a line now: the line, the end (`nil`) or the failure; or `nil` if it
  /// must wait (nothing changed then). And whether the connection should read again.
  mutating func selectTryLine(maxLength: Int) -> (Result<String?, any Error>?, resumeReading: Bool) {
    if isWaiting { return (.failure(StreamError.readInProgress), false) }
    searched = 0
    guard let result = serve(Self.line(maxLength)) else { return (nil, false) }
    return (Self.text(result), takeResume())
  }

  /// A select's case registers: claimed at once (returned with what to fire it with) if a line,
  /// the end or a failure is there, else kept as the waiting read.
  mutating func selectRegisterLine(
    _ waiter: LineWaiter, maxLength: Int
  ) -> (fire: (LineClaim, Result<String?, any Error>)?, resumeReading: Bool) {
    if isWaiting {
      return (waiter.claim().map { ($0, .failure(StreamError.readInProgress)) }, false)
    }
    searched = 0
    selecting = (waiter, maxLength)
    let fire = serveSelect()
    return (fire, takeResume())
  }

  /// A select leaves: its case is forgotten if it still waits.
  mutating func selectDeregister(_ waiter: LineWaiter) {
    guard selecting?.waiter === waiter else { return }
    selecting = nil
    searched = 0
  }

  /// Serves the waiting select's line if the buffer, the end or a failure can: the won claim
  /// and what to fire it with. The line is taken only by a won claim: a select that fired
  /// elsewhere is dropped and the bytes stay. (Serving a line changes only `buffer` and
  /// `searched`: it is tried on a copy, and kept only if the claim is won.)
  mutating func serveSelect() -> (LineClaim, Result<String?, any Error>)? {
    guard let (waiter, maxLength) = selecting else { return nil }
    var trial = self
    guard let result = trial.serve(Self.line(maxLength)) else {
      searched = trial.searched
      return nil
    }
    selecting = nil
    searched = 0
    // A select that fired through another case takes nothing: the bytes stay.
    guard let claim = waiter.claim() else { return nil }
    buffer = trial.buffer
    return (claim, Self.text(result))
  }

  private static func line(_ maxLength: Int) -> ByteStreamRead {
    .delimited([10], maxLength: maxLength, line: true)
  }

  private static func text(_ result: Result<ByteBuffer?, any Error>) -> Result<String?, any Error> {
    result.map { $0.map { String(buffer: $0) } }
  }

  // MARK: Connection side

  /// The connection asks to read more: `true` if it may now, else it is held until a reader
  /// makes room.
  mutating func readRequested() -> Bool {
    if mayRead { return true }
    readHeld = true
    return false
  }

  /// Bytes arrived: the waiting read's result if they serve it.
  mutating func received(_ chunk: inout ByteBuffer) -> Result<ByteBuffer?, any Error>? {
    guard end == nil else { return nil }
    if buffer.readableBytes == 0 {
      buffer = chunk
    } else {
      buffer.writeBuffer(&chunk)
    }
    return servePending()
  }

  /// The stream ended (the first end counts): the waiting read's result, if any.
  mutating func ended(_ end: End) -> Result<ByteBuffer?, any Error>? {
    guard self.end == nil else { return nil }
    self.end = end
    return servePending()
  }

  // MARK: Serving

  private var mayRead: Bool {
    end == nil && (buffer.readableBytes < highWater || isWaiting)
  }

  private mutating func takeResume() -> Bool {
    guard readHeld, mayRead else { return false }
    readHeld = false
    return true
  }

  private mutating func servePending() -> Result<ByteBuffer?, any Error>? {
    guard let request = pending, let result = serve(request) else { return nil }
    pending = nil
    searched = 0
    return result
  }

  /// The request's result now, or `nil` if it must wait for more bytes or the end.
  private mutating func serve(_ request: ByteStreamRead) -> Result<ByteBuffer?, any Error>? {
    if case .closed = end { return .failure(StreamError.closed) }
    let available = buffer.readableBytes
    switch request {
    case .upTo(let count):
      if available > 0 { return .success(buffer.readSlice(length: min(count, available))) }
      return atEnd(nil)
    case .exactly(let count, let endAllowed):
      if available >= count { return .success(buffer.readSlice(length: count)) }
      guard let end else { return nil }
      if case .finished = end {
        if available == 0, endAllowed { return .success(nil) }
        return .failure(StreamError.unexpectedEnd(expected: count, received: available))
      }
      return atEnd(nil)
    case .delimited(let delimiter, let maxLength, let line):
      return serveDelimited(delimiter, maxLength: maxLength, line: line)
    }
  }

  private mutating func serveDelimited(
    _ delimiter: [UInt8], maxLength: Int, line: Bool
  ) -> Result<ByteBuffer?, any Error>? {
    let available = buffer.readableBytes
    let tooLong: any Error =
      line ? StreamError.lineTooLong(limit: maxLength) : StreamError.delimiterNotFound(limit: maxLength)
    let from = max(0, searched - (delimiter.count - 1))
    if let found = find(delimiter, from: from) {
      var length = found
      if line, length > 0, buffer.getInteger(at: buffer.readerIndex + length - 1, as: UInt8.self) == 13 {
        length -= 1
      }
      guard length <= maxLength else { return .failure(tooLong) }
      let piece = buffer.readSlice(length: length)
      buffer.moveReaderIndex(forwardBy: found - length + delimiter.count)
      return .success(piece)
    }
    searched = available
    // The delimiter can no longer come within the limit (a line may have a `\r` before it).
    if available > maxLength + delimiter.count - 1 + (line ? 1 : 0) { return .failure(tooLong) }
    guard let end else { return nil }
    if case .finished = end, available > 0 {
      guard available <= maxLength else { return .failure(tooLong) }
      return .success(buffer.readSlice(length: available))
    }
    return atEnd(nil)
  }

  /// At the end with nothing to serve: `value` after a clean end, else the failure.
  private func atEnd(_ value: ByteBuffer?) -> Result<ByteBuffer?, any Error>? {
    switch end {
    case nil: nil
    case .finished: .success(value)
    case .failed(let error): .failure(error)
    case .closed: .failure(StreamError.closed)
    }
  }

  /// The offset (from the reader index) of the first `delimiter` at or after `from`.
  private func find(_ delimiter: [UInt8], from: Int) -> Int? {
    let view = buffer.readableBytesView
    guard let first = delimiter.first, view.count - from >= delimiter.count else { return nil }
    var index = view.index(view.startIndex, offsetBy: from)
    let last = view.index(view.endIndex, offsetBy: -delimiter.count)
    while index <= last {
      guard let hit = view[index...last].firstIndex(of: first) else { return nil }
      if delimiter.count == 1 || view[hit..<(hit + delimiter.count)].elementsEqual(delimiter) {
        return hit - view.startIndex
      }
      index = hit + 1
    }
    return nil
  }
}
