import Foundation
import Testing

@testable import Starling

/// Dialers, listeners and pipes closed on their own (nng's `nng_dialer_close`,
/// `nng_listener_close`, `nng_pipe_close`), and sends and receives that never wait
/// (`NNG_FLAG_NONBLOCK`).
@Suite(.timeLimit(.minutes(5))) struct EndpointHandleTests {
  /// Options with a short reconnect wait, so that a redial is quick.
  private static var quickRedial: SocketOptions {
    var options = SocketOptions()
    options.reconnectMinimum = .milliseconds(10)
    return options
  }

  @Test func closingOneListenerLeavesTheOtherServing() async throws {
    let pull = Pull0()
    let first = Push0()
    let second = Push0()
    defer {
      for socket in [first, second] as [any Socket] { socket.close() }
      pull.close()
    }
    let closing = try await pull.listen(inprocName())
    let staying = try await pull.listen("tcp://127.0.0.1:0")
    try await first.dial(closing.address.url)
    try await second.dial(staying.address.url)
    try await eventually("both pipes are up") { pull.statistics.pipesOpen == 2 }

    closing.close()
    #expect(closing.isClosed)
    try await eventually("the closed listener's pipe is gone") { pull.statistics.pipesOpen == 1 }
    let late = Push0()
    defer { late.close() }
    await #expect(throws: SPError.connectionRefused(closing.address.url)) {
      try await late.dial(closing.address.url)
    }
    try await second.send("still served")
    #expect(try await pull.receive().string == "still served")
    closing.close()  // twice: nothing happens
  }

  @Test func closingADialerStopsItsReconnects() async throws {
    let pull = Pull0()
    let push = Push0(options: Self.quickRedial)
    defer {
      push.close()
      pull.close()
    }
    let url = inprocName()
    try await pull.listen(url)
    let dialer = try await push.dial(url)
    #expect(dialer.address.url == url)
    try await eventually("the pipe is up") { pull.statistics.pipesOpen == 1 }

    dialer.close()
    await dialer.finished()
    try await eventually("the dialer's pipe is gone") { pull.statistics.pipesOpen == 0 }
    // The dialer's task has ended: nothing can redial. The socket still dials anew.
    let again = try await push.dial(url)
    try await push.send("after")
    #expect(try await pull.receive().string == "after")
    #expect(pull.statistics.pipesTotal == 2)
    #expect(push.statistics.reconnects == 0)
    again.close()
  }

  @Test func aDialerClosedBeforeItsPeerListensNeverConnects() async throws {
    let pull = Pull0()
    let push = Push0(options: Self.quickRedial)
    let witness = Push0()
    defer {
      for socket in [push, witness] as [any Socket] { socket.close() }
      pull.close()
    }
    let url = inprocName()
    let dialer = try await push.dial(url, waitForConnection: false)
    dialer.close()
    await dialer.finished()
    try await pull.listen(url)
    try await witness.dial(url)
    try await witness.send("only me")
    #expect(try await pull.receive().string == "only me")
    #expect(pull.statistics.pipesTotal == 1)
    #expect(push.statistics.pipesTotal == 0)
  }

  @Test func closingAPipeByIDRemovesThatPipeOnlyAndItsDialerRedials() async throws {
    let pull = Pull0()
    let first = Push0(options: Self.quickRedial)
    let second = Push0(options: Self.quickRedial)
    defer {
      for socket in [first, second] as [any Socket] { socket.close() }
      pull.close()
    }
    let url = inprocName()
    try await pull.listen(url)
    var events = pull.pipeEvents().makeAsyncIterator()
    try await first.dial(url)
    try await second.dial(url)
    var open: [PipeID] = []
    while open.count < 2 {
      if case .added(let pipe)? = await events.next() { open.append(pipe.id) }
    }

    try pull.closePipe(open[0])
    #expect(
      await events.next() == .removed(PipeInfo(id: open[0], transport: "inproc", peer: "inproc"), reason: nil)
    )
    // The dialer whose pipe it was connects again; the other pipe is untouched.
    guard case .added(let redialed)? = await events.next() else {
      Issue.record("no new pipe after the close")
      return
    }
    #expect(!open.contains(redialed.id))
    try await eventually("the dialer counts its reconnect") {
      first.statistics.reconnects + second.statistics.reconnects == 1
    }
    #expect(pull.statistics.pipesOpen == 2)
    #expect(throws: SPError.badState("the socket has no open pipe \(open[0])")) {
      try pull.closePipe(open[0])
    }
  }

  @Test func trySendWithoutAPeerOrWithAFullWindowWouldBlock() async throws {
    var small = SocketOptions()
    small.receiveBufferSize = 4
    let pull = Pull0(options: small)
    let push = Push0()
    defer {
      push.close()
      pull.close()
    }
    #expect(try push.trySend("nobody there") == false)

    try await join(pull, push)
    var sent = 0
    while try push.trySend(Message(string: "\(sent)")) {
      sent += 1
      guard sent < 1000 else { break }
    }
    // The pull's queue is full (nobody receives): the push's pipe takes no more.
    #expect(sent >= 4 && sent < 1000)
    var received: [String] = []
    while received.count < sent { received.append(try await pull.receive().string) }
    #expect(received == (0..<sent).map(String.init))
    #expect(try pull.tryReceive() == nil)
  }

  @Test func tryReceiveOnAnEmptyPullWouldBlockThenTakesWhatArrived() async throws {
    let pull = Pull0()
    let push = Push0()
    defer {
      push.close()
      pull.close()
    }
    #expect(try pull.tryReceive() == nil)
    try await join(pull, push)
    #expect(try pull.tryReceive() == nil)
    try await push.send("queued")
    try await eventually("the message is queued") { pull.statistics.messagesIn == 1 }
    #expect(try pull.tryReceive()?.string == "queued")
    #expect(try pull.tryReceive() == nil)
    pull.close()
    #expect(throws: SPError.closed) { try pull.tryReceive() }
    push.close()
    #expect(throws: SPError.closed) { try push.trySend("late") }
  }

  @Test func nonBlockingRequestsAndReplies() async throws {
    let rep = Rep0()
    let req = Req0()
    defer {
      req.close()
      rep.close()
    }
    #expect(try req.trySend("nobody there") == false)
    #expect(throws: SPError.badState("receive on a req socket needs a request sent first")) {
      try req.tryReceive()
    }
    #expect(try rep.tryReceive() == nil)
    try await join(rep, req)
    #expect(try req.trySend("question"))
    #expect(try req.tryReceive() == nil)
    try await eventually("the request is queued") { rep.statistics.messagesIn == 1 }
    #expect(try rep.tryReceive()?.string == "question")
    #expect(try rep.trySend("answer"))
    try await eventually("the reply arrives") { req.statistics.messagesIn == 1 }
    #expect(try req.tryReceive()?.string == "answer")
  }

  @Test func nonBlockingSurveys() async throws {
    var options = SocketOptions()
    options.surveyTime = .seconds(60)
    let surveyor = Surveyor0(options: options)
    let respondent = Respondent0()
    defer {
      surveyor.close()
      respondent.close()
    }
    #expect(try surveyor.trySend("nobody there"))  // a survey goes to every peer: none is fine
    try await join(respondent, surveyor)
    #expect(try surveyor.trySend("who?"))
    #expect(try surveyor.tryReceive() == nil)
    try await eventually("the survey is queued") { respondent.statistics.messagesIn == 1 }
    #expect(try respondent.tryReceive()?.string == "who?")
    #expect(try respondent.trySend("me"))
    try await eventually("the answer arrives") { surveyor.statistics.messagesIn == 1 }
    #expect(try surveyor.tryReceive()?.string == "me")
  }

  @Test func nonBlockingAgainstNng() async throws {
    // Starling's pull takes what nng's push sent without waiting; Starling's push would block
    // until nng's pull is there, then sends without waiting.
    let pull = Pull0()
    let push = Push0()
    defer {
      push.close()
      pull.close()
    }
    let bound = try await pull.listen("tcp://127.0.0.1:0").address
    #expect(try pull.tryReceive() == nil)
    let sender = try NngPeer("Push0", "dial", bound.url, count: 3)
    var received: [String] = []
    try await eventually("nng's messages arrive") {
      while let message = try? pull.tryReceive() { received.append(message.string) }
      return received.count == 3
    }
    #expect(received == ["m0", "m1", "m2"])
    sender.finish()

    #expect(try push.trySend("too early") == false)
    let receiver = try NngPeer("Pull0", "listen", "tcp://127.0.0.1:0", count: 2)
    let port = try await receiver.port()
    try await push.dial("tcp://127.0.0.1:\(port)")
    #expect(try push.trySend("n0"))
    #expect(try push.trySend("n1"))
    #expect(try await receiver.bodies("RECV", count: 2) == ["n0", "n1"])
    receiver.finish()
  }
}
