import NIOCore
import Testing

@testable import StarlingChannels
@testable import StarlingSystem

/// The reading state machine on its own: every request against bytes arriving in pieces, the
/// ends, and when the connection may be read.
@Suite(.timeLimit(.minutes(5))) struct ByteStreamStateMachineTests {
  /// The served value of a step, as text; `nil` for a wait or an end.
  private func text(_ step: ReadStep<ByteBuffer?>) throws -> String? {
    guard case .done(let result, _) = step else { return nil }
    return try result.get().map { String(buffer: $0) }
  }

  private func receive(
    _ machine: inout ByteStreamStateMachine, _ text: String
  ) -> Result<ByteBuffer?, any Error>? {
    var chunk = ByteBuffer(string: text)
    return machine.received(&chunk)
  }

  @Test func aLineSplitOverChunksIsServedWhenItsNewlineArrives() throws {
    var machine = ByteStreamStateMachine()
    let line = ByteStreamRead.delimited([10], maxLength: 100, line: true)
    guard case .wait = machine.read(line, mayWait: true) else {
      Issue.record("served before any byte"); return
    }
    #expect(receive(&machine, "hel") == nil)
    #expect(receive(&machine, "lo\r") == nil)
    let served = try receive(&machine, "\nnext\n")?.get()
    #expect(served.map { String(buffer: $0) } == "hello", "the \\r before the newline is dropped")
    #expect(try text(machine.read(line, mayWait: false)) == "next")
    #expect(machine.buffered == 0)
  }

  @Test func aMultiByteDelimiterSplitOverChunksIsFound() throws {
    var machine = ByteStreamStateMachine()
    let request = ByteStreamRead.delimited(Array("\r\n\r\n".utf8), maxLength: 100, line: false)
    _ = machine.read(request, mayWait: true)
    #expect(receive(&machine, "GET / HTTP/1.1\r\nHost: x\r\n\r") == nil)
    let served = try receive(&machine, "\nbody")?.get()
    #expect(served.map { String(buffer: $0) } == "GET / HTTP/1.1\r\nHost: x")
    #expect(try text(machine.read(.upTo(10), mayWait: false)) == "body")
  }

  @Test func aLineOverTheLimitFailsAndLeavesItsBytes() throws {
    var machine = ByteStreamStateMachine()
    _ = receive(&machine, "12345")
    let line = ByteStreamRead.delimited([10], maxLength: 4, line: true)
    // 5 bytes without a newline: with a `\r` and the newline still to come it could be... no,
    // 5 content bytes are over 4 already once a sixth byte is not the newline.
    guard case .wait = machine.read(line, mayWait: false) else {
      Issue.record("5 bytes could still be 4 and a \\r")
      return
    }
    _ = receive(&machine, "6")
    guard case .done(.failure(let error), _) = machine.read(line, mayWait: false) else {
      Issue.record("a 6-byte line passed a 4-byte limit")
      return
    }
    #expect(error as? StreamError == .lineTooLong(limit: 4))
    #expect(machine.buffered == 6, "nothing was taken")
    #expect(try text(machine.read(.upTo(100), mayWait: false)) == "123456")
  }

  @Test func aLineExactlyAtTheLimitPassesWithItsCRLF() throws {
    var machine = ByteStreamStateMachine()
    _ = receive(&machine, "1234\r\n")
    #expect(try text(machine.read(.delimited([10], maxLength: 4, line: true), mayWait: false)) == "1234")
  }

  @Test func theEndServesTheLastLineWithoutANewlineThenNil() throws {
    var machine = ByteStreamStateMachine()
    _ = receive(&machine, "last")
    let line = ByteStreamRead.delimited([10], maxLength: 100, line: true)
    _ = machine.read(line, mayWait: true)
    let served = try machine.ended(.finished)?.get()
    #expect(served.map { String(buffer: $0) } == "last")
    guard case .done(.success(nil), _) = machine.read(line, mayWait: false) else {
      Issue.record("no end after the last line")
      return
    }
  }

  @Test func anEarlyEndFailsReadExactlyAndKeepsWhatCame() throws {
    var machine = ByteStreamStateMachine()
    _ = machine.read(.exactly(10, endAllowed: false), mayWait: true)
    #expect(receive(&machine, "abc") == nil)
    let result = machine.ended(.finished)
    #expect(throws: StreamError.unexpectedEnd(expected: 10, received: 3)) { try result?.get() }
    #expect(try text(machine.read(.upTo(10), mayWait: false)) == "abc")
  }

  @Test func anEndBetweenPacketsIsCleanOnlyBeforeTheFirstByte() throws {
    var clean = ByteStreamStateMachine()
    _ = clean.ended(.finished)
    guard case .done(.success(nil), _) = clean.read(.exactly(4, endAllowed: true), mayWait: false) else {
      Issue.record("an end before a header is not clean")
      return
    }
    var torn = ByteStreamStateMachine()
    _ = receive(&torn, "ab")
    _ = torn.ended(.finished)
    guard case .done(.failure(let error), _) = torn.read(.exactly(4, endAllowed: true), mayWait: false) else {
      Issue.record("an end inside a header passed")
      return
    }
    #expect(error as? StreamError == .unexpectedEnd(expected: 4, received: 2))
  }

  @Test func aFailureComesAfterTheBytesBeforeIt() throws {
    var machine = ByteStreamStateMachine()
    _ = receive(&machine, "ok")
    _ = machine.ended(.failed(StreamError.ioFailed("reset")))
    #expect(try text(machine.read(.upTo(10), mayWait: false)) == "ok")
    guard case .done(.failure(let error), _) = machine.read(.upTo(10), mayWait: false) else {
      Issue.record("the failure was lost")
      return
    }
    #expect(error as? StreamError == .ioFailed("reset"))
  }

  @Test func aSecondReaderIsRefusedAndCancellingFreesTheSlot() {
    var machine = ByteStreamStateMachine()
    _ = machine.read(.upTo(1), mayWait: true)
    guard case .done(.failure(let error), _) = machine.read(.upTo(1), mayWait: true) else {
      Issue.record("two readers waited")
      return
    }
    #expect(error as? StreamError == .readInProgress)
    let cancelled = machine.cancelWaitingRead()
    #expect(cancelled)
    #expect(!machine.isWaiting)
    guard case .wait = machine.read(.upTo(1), mayWait: true) else {
      Issue.record("the slot stayed taken")
      return
    }
  }

  @Test func closingFailsTheWaitingReadAndEveryLaterOne() {
    var machine = ByteStreamStateMachine()
    _ = receive(&machine, "unread")
    _ = machine.read(.exactly(100, endAllowed: false), mayWait: true)
    let told = machine.close()
    #expect(told, "the waiting read is told")
    guard case .done(.failure(let error), _) = machine.read(.upTo(1), mayWait: false) else {
      Issue.record("a read after close passed")
      return
    }
    #expect(error as? StreamError == .closed)
  }

  @Test func readingStopsWhileTheBufferIsFullAndResumesWhenItIsRead() throws {
    var machine = ByteStreamStateMachine(highWater: 8)
    let first = machine.readRequested()
    #expect(first)
    _ = receive(&machine, "0123456789")
    let held = !machine.readRequested()
    #expect(held, "10 bytes buffered, 8 allowed: held")
    guard case .done(_, let resume) = machine.read(.upTo(4), mayWait: false) else {
      Issue.record("buffered bytes were not served")
      return
    }
    #expect(resume, "6 bytes left: the held read goes on")
    let again = machine.readRequested()
    #expect(again)
  }

  @Test func aReadNeedingMoreThanTheHighWaterMarkKeepsReading() {
    var machine = ByteStreamStateMachine(highWater: 8)
    _ = receive(&machine, "0123456789")
    let held = !machine.readRequested()
    #expect(held)
    guard case .wait(let resume) = machine.read(.exactly(20, endAllowed: false), mayWait: true) else {
      Issue.record("served 20 of 10 bytes")
      return
    }
    #expect(resume, "the waiting read needs more than the buffer may hold")
  }

  @Test func nothingIsReadAfterTheEnd() {
    var machine = ByteStreamStateMachine()
    _ = machine.ended(.finished)
    let reading = machine.readRequested()
    #expect(!reading)
  }
}

/// The select side of the machine: a select whose select fired elsewhere takes nothing.
@Suite(.timeLimit(.minutes(5))) struct ByteStreamStateMachineSelectTests {
  /// A select waiter whose select has already fired through another case.
  private func staleWaiter() -> ByteStreamStateMachine.LineWaiter {
    let core = SelectCore()
    _ = core.claim()
    return SelectWaiter(core: core, index: 0)
  }

  @Test func aLineForAStaleWaiterStaysAndTheWaiterIsDropped() throws {
    var machine = ByteStreamStateMachine()
    let waiter = staleWaiter()
    let registered = machine.selectRegisterLine(waiter, maxLength: 100).fire
    #expect(registered == nil, "nothing buffered: kept")
    #expect(machine.isWaiting)
    var chunk = ByteBuffer(string: "kept\n")
    let forTask = machine.received(&chunk)
    #expect(forTask == nil, "no task waits")
    let served = machine.serveSelect()
    #expect(served == nil, "the claim failed")
    #expect(!machine.isWaiting, "the stale waiter is gone")
    #expect(machine.buffered == 5, "the line stays")
    machine.selectDeregister(waiter)  // already dropped: nothing happens
  }

  @Test func aStaleWaiterRegisteringWhileALineIsBufferedTakesNothing() throws {
    var machine = ByteStreamStateMachine()
    var chunk = ByteBuffer(string: "kept\n")
    _ = machine.received(&chunk)
    let fire = machine.selectRegisterLine(staleWaiter(), maxLength: 100).fire
    #expect(fire == nil)
    #expect(!machine.isWaiting)
    guard
      case .done(.success(let line), _) = machine.read(
        .delimited([10], maxLength: 100, line: true), mayWait: false)
    else {
      Issue.record("the line was lost")
      return
    }
    #expect(line.map { String(buffer: $0) } == "kept")
  }

  @Test func aSelectWaitingForALineIsTheOneWaitingRead() throws {
    var machine = ByteStreamStateMachine(highWater: 4)
    var chunk = ByteBuffer(string: "0123456789")
    _ = machine.received(&chunk)
    let held = !machine.readRequested()
    #expect(held, "over the high-water mark")
    let waiter = staleWaiter()
    let registered = machine.selectRegisterLine(waiter, maxLength: 100)
    #expect(registered.resumeReading, "the waiting line needs more than the buffer may hold")
    guard case .done(.failure(let error), _) = machine.read(.upTo(1), mayWait: true) else {
      Issue.record("a second reader was let in")
      return
    }
    #expect(error as? StreamError == .readInProgress)
    let tried = machine.selectTryLine(maxLength: 100).0
    #expect(throws: StreamError.readInProgress) { try tried?.get() }
    machine.selectDeregister(waiter)
    #expect(!machine.isWaiting)
  }
}
