import NIOCore
import Testing

@testable import StarlingSystem

/// The writing state machine on its own: coalescing into one drain, the window, waiting until
/// everything is written, failures and closing. Waiters are plain numbers here.
@Suite(.timeLimit(.minutes(5))) struct ByteStreamWriteStateMachineTests {
  private typealias Machine = ByteStreamWriteStateMachine<Int>

  private func write(_ machine: inout Machine, _ text: String) throws -> Machine.Queued {
    try machine.write(CollectionOfOne(ByteBuffer(string: text))).get()
  }

  /// The machine's drain, which must find something to write.
  private func drain(_ machine: inout Machine) throws -> (batch: CircularBuffer<ByteBuffer>, bytes: Int) {
    let drained = machine.drain()
    return try #require(drained)
  }

  private func texts(_ batch: CircularBuffer<ByteBuffer>) -> [String] {
    batch.map { String(buffer: $0) }
  }

  @Test func writesBetweenTwoDrainsScheduleOneDrainAndGoOutTogether() throws {
    var machine = Machine(window: 100)
    #expect(try write(&machine, "a\n") == .init(scheduleDrain: true, mustWait: false))
    #expect(try write(&machine, "b\n") == .init(scheduleDrain: false, mustWait: false))
    #expect(try write(&machine, "c\n") == .init(scheduleDrain: false, mustWait: false))
    let (batch, bytes) = try drain(&machine)
    #expect(texts(batch) == ["a\n", "b\n", "c\n"])
    #expect(bytes == 6)
    #expect(machine.unwritten == 6, "in flight until written")
    machine.recycle(batch)
    #expect(machine.drain() == nil, "nothing left to drain")
    #expect(try write(&machine, "d\n") == .init(scheduleDrain: true, mustWait: false), "a new batch")
    #expect(machine.written(6).isEmpty)
    #expect(machine.unwritten == 2)
  }

  @Test func smallCopiedWritesShareOneBufferUntilABufferIsWritten() throws {
    var machine = Machine(window: 100)
    for text in ["a\n", "b\n"] {
      _ = try machine.write(copying: text.utf8.count) { $0.writeString(text) }.get()
    }
    _ = try machine.write(CollectionOfOne(ByteBuffer(string: "given\n"))).get()
    _ = try machine.write(copying: 2) { $0.writeString("c\n") }.get()
    let (batch, bytes) = try drain(&machine)
    #expect(
      texts(batch) == ["a\nb\n", "given\n", "c\n"], "a given buffer is not copied, and ends the shared one")
    #expect(bytes == 12)
    _ = try machine.write(copying: 2) { $0.writeString("d\n") }.get()
    let (next, _) = try drain(&machine)
    #expect(texts(next) == ["d\n"], "a drained buffer is not written into again")
  }

  @Test func aWriterWaitsOnlyWhileTheWindowIsOverfullAndResumesWhenItDrains() throws {
    var machine = Machine(window: 10)
    #expect(try write(&machine, "12345678") == .init(scheduleDrain: true, mustWait: false))
    let queued = try write(&machine, "abcd")
    #expect(queued.mustWait, "12 bytes unwritten, over a window of 10")
    let id = machine.makeWaiterID()
    #expect(machine.waitForRoom(id, waiter: 1) == nil)
    let (batch, bytes) = try drain(&machine)
    #expect(texts(batch) == ["12345678", "abcd"], "the waiting writer's bytes are queued already")
    #expect(machine.hasWaiters, "in flight still counts")
    #expect(machine.written(bytes) == [1])
    #expect(!machine.hasWaiters)
  }

  @Test func aWriteLargerThanTheWindowWaitsUntilItIsWritten() throws {
    var machine = Machine(window: 4)
    #expect(try write(&machine, "0123456789").mustWait)
    #expect(machine.waitForRoom(machine.makeWaiterID(), waiter: 7) == nil)
    let (_, bytes) = try drain(&machine)
    #expect(machine.written(bytes) == [7])
  }

  @Test func waitingUntilWrittenEndsWhenNothingIsQueuedOrInFlight() throws {
    var machine = Machine(window: 100)
    #expect(
      try machine.waitUntilWritten(machine.makeWaiterID(), waiter: 1)?.get() != nil, "nothing to wait for")
    _ = try write(&machine, "one\n")
    #expect(machine.waitUntilWritten(machine.makeWaiterID(), waiter: 2) == nil)
    let (_, first) = try drain(&machine)
    _ = try write(&machine, "two\n")
    #expect(machine.written(first).isEmpty, "the second line is still queued")
    let (_, second) = try drain(&machine)
    #expect(machine.written(second) == [2])
  }

  @Test func aFailureDropsTheQueueFailsTheWaitersAndEveryLaterWrite() throws {
    var machine = Machine(window: 4)
    _ = try write(&machine, "12345")
    let (_, bytes) = try drain(&machine)
    _ = try write(&machine, "queued")
    #expect(machine.waitForRoom(machine.makeWaiterID(), waiter: 1) == nil)
    #expect(machine.waitUntilWritten(machine.makeWaiterID(), waiter: 2) == nil)
    let (waiters, error) = machine.failed(bytes, error: StreamError.peerClosed)
    #expect(waiters.sorted() == [1, 2])
    #expect(error as? StreamError == .peerClosed)
    #expect(machine.unwritten == 0, "the queue is dropped")
    #expect(machine.drain() == nil)
    #expect(throws: StreamError.peerClosed) { try write(&machine, "later") }
    #expect(throws: StreamError.peerClosed) {
      try machine.waitUntilWritten(machine.makeWaiterID(), waiter: 3)?.get()
    }
  }

  @Test func aCancelledWaiterIsForgottenAndItsBytesStay() throws {
    var machine = Machine(window: 1)
    _ = try write(&machine, "abc")
    let id = machine.makeWaiterID()
    #expect(machine.waitForRoom(id, waiter: 5) == nil)
    #expect(machine.cancelWait(id) == 5)
    #expect(machine.cancelWait(id) == nil, "only once")
    let (batch, bytes) = try drain(&machine)
    #expect(texts(batch) == ["abc"])
    #expect(machine.written(bytes).isEmpty)
  }

  @Test func closingTheWriteHalfRefusesWritesButWritesWhatIsQueued() throws {
    var machine = Machine(window: 100)
    _ = try write(&machine, "last\n")
    let first = machine.closeWrite()
    let second = machine.closeWrite()
    #expect(first)
    #expect(!second, "once")
    #expect(throws: StreamError.closed) { try write(&machine, "more") }
    #expect(machine.waitUntilWritten(machine.makeWaiterID(), waiter: 1) == nil)
    let (batch, bytes) = try drain(&machine)
    #expect(texts(batch) == ["last\n"])
    #expect(machine.written(bytes) == [1])
  }

  @Test func closingHandsOverTheQueueAndFailsTheWaitersAsClosed() throws {
    var machine = Machine(window: 2)
    _ = try write(&machine, "abc")
    _ = try write(&machine, "def")
    #expect(machine.waitForRoom(machine.makeWaiterID(), waiter: 1) == nil)
    let (last, waiters) = machine.close()
    #expect(texts(last) == ["abc", "def"])
    #expect(waiters == [1])
    #expect(machine.drain() == nil, "the scheduled drain finds nothing")
    #expect(throws: StreamError.closed) { try write(&machine, "more") }
    #expect(throws: StreamError.closed) {
      try machine.waitUntilWritten(machine.makeWaiterID(), waiter: 2)?.get()
    }
    let (_, error) = machine.failed(0, error: StreamError.peerClosed)
    #expect(error as? StreamError == .closed, "a failure after closing reads as closed")
  }
}
