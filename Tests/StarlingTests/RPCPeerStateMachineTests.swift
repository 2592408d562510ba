import Testing

@testable import Starling

/// The calls table of ``RPCPeer`` as a pure state machine, with plain numbers as waiters.
struct RPCPeerStateMachineTests {
  typealias Machine = RPCPeerStateMachine<Int>

  let reply = ByteBuffer(bytes: [0, 0x31])

  /// Starts a call on `machine`; the test fails if the machine refuses.
  func start(_ machine: inout Machine) throws -> UInt32 {
    let id = machine.start()
    return try #require(id)
  }

  @Test func aReplyThatComesWhileTheCallerWaitsResumesIt() throws {
    var machine = Machine()
    let id = try start(&machine)
    guard case .suspended = machine.wait(id, 7) else { Issue.record("did not wait"); return }
    guard case .resume(7, let body) = machine.received(id, reply) else { Issue.record("not resumed"); return }
    #expect(body == reply)
    machine.finish(id)
    #expect(machine.outstanding == 0)
  }

  @Test func aReplyThatComesBeforeTheCallerWaitsIsKept() throws {
    var machine = Machine()
    let id = try start(&machine)
    guard case .kept = machine.received(id, reply) else { Issue.record("not kept"); return }
    guard case .answered(let body) = machine.wait(id, 7) else { Issue.record("not answered"); return }
    #expect(body == reply)
  }

  @Test func repliesToFinishedFailedOrUnknownCallsAreStale() throws {
    var machine = Machine()
    let finished = try start(&machine)
    machine.finish(finished)
    let timedOut = try start(&machine)
    _ = machine.wait(timedOut, 1)
    #expect(machine.fail(timedOut, SPError.timedOut) == 1)
    for id in [finished, timedOut, 999] {
      guard case .stale = machine.received(id, reply) else { Issue.record("call \(id) took a reply"); return }
    }
  }

  @Test func aFailureBeforeTheCallerWaitsIsWhatItFinds() throws {
    var machine = Machine()
    let id = try start(&machine)
    #expect(machine.fail(id, CancellationError()) == nil)
    guard case .failed(let error) = machine.wait(id, 7) else { Issue.record("waits after failing"); return }
    #expect(error is CancellationError)
  }

  @Test func aReplyAlreadyHereWinsOverALateTimeout() throws {
    var machine = Machine()
    let id = try start(&machine)
    _ = machine.received(id, reply)
    #expect(machine.fail(id, SPError.timedOut) == nil)
    guard case .answered = machine.wait(id, 7) else { Issue.record("the reply was lost"); return }
  }

  @Test func closingFailsEveryCallNowAndLater() throws {
    var machine = Machine()
    let waiting = try start(&machine)
    let pending = try start(&machine)
    _ = machine.wait(waiting, 1)
    #expect(machine.close() == [1])
    guard case .failed(let error) = machine.wait(pending, 2), error as? SPError == .closed else {
      Issue.record("a call started before the close did not fail")
      return
    }
    #expect(machine.start() == nil)
    #expect(machine.isClosed)
  }

  @Test func idsWrapAroundSkippingZero() throws {
    var machine = Machine(firstID: UInt32.max - 1)
    #expect(machine.start() == UInt32.max - 1)
    #expect(machine.start() == UInt32.max)
    #expect(machine.start() == 1)
    #expect(machine.outstanding == 3)
  }
}
