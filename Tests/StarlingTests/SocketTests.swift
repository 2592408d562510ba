import Foundation
import Testing

import struct StarlingChannels.Lock

@testable import Starling

/// Socket behaviour that does not need nng on the other side: inproc, closing, timeouts,
/// reconnection, refusals.
@Suite(.timeLimit(.minutes(5))) struct SocketTests {
  @Test func inprocPushPullKeepsOrderAndAppliesBackpressure() async throws {
    var options = SocketOptions()
    options.receiveBufferSize = 4
    let pull = Pull0(options: options)
    let push = Push0()
    defer {
      push.close()
      pull.close()
    }
    try await join(pull, push)
    // With nobody receiving, the pull's queue fills and the push stops being able to send.
    var sent = 0
    push.options.sendTimeout = .milliseconds(50)
    do {
      while sent < 100 {
        try await push.send(Message(string: "\(sent)"))
        sent += 1
      }
      Issue.record("100 messages went out with nobody receiving")
    } catch SPError.timedOut {}
    #expect(sent >= 4 && sent < 100)
    push.options.sendTimeout = nil
    var received: [String] = []
    for _ in 0..<sent { received.append(try await pull.receive().string) }
    #expect(received == (0..<sent).map(String.init))
  }

  @Test func inprocRequestsRunConcurrentlyOverOneSocket() async throws {
    let rep = Rep0()
    let req = Req0()
    defer {
      req.close()
      rep.close()
    }
    try await join(rep, req)
    let server = Task {
      // Answer in reverse order of arrival: replies come back out of order.
      var requests: [Request] = []
      for _ in 0..<8 { requests.append(try await rep.nextRequest()) }
      for request in requests.reversed() {
        try await request.reply(Message(string: "re:" + request.message.string))
      }
    }
    let replies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
      for i in 0..<8 {
        group.addTask { (i, try await req.request(Message(string: "\(i)")).string) }
      }
      return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
    }
    try await server.value
    #expect(replies == Dictionary(uniqueKeysWithValues: (0..<8).map { ($0, "re:\($0)") }))
  }

  @Test func closingFailsEveryPendingOperation() async throws {
    let pull = Pull0()
    let push = Push0()
    let req = Req0()
    let receive = Task { try await pull.receive() }
    let send = Task { try await push.send("nobody listens") }
    let request = Task { try await req.request("nobody answers") }
    try await eventually("all three wait") {
      pull.core.state.withLock { $0.receivers.count } == 1
        && push.core.state.withLock { $0.senders.count } == 1
        && req.core.state.withLock { $0.replies.values.contains { $0.waiter != nil } }
    }
    pull.close()
    push.close()
    req.close()
    await #expect(throws: SPError.closed) { try await receive.value }
    await #expect(throws: SPError.closed) { try await send.value }
    await #expect(throws: SPError.closed) { try await request.value }
    await #expect(throws: SPError.closed) { try await pull.receive() }
    pull.close()
  }

  @Test func receiveTimesOutAndNngStyleStatesAreChecked() async throws {
    var options = SocketOptions()
    options.receiveTimeout = .milliseconds(20)
    let pull = Pull0(options: options)
    defer { pull.close() }
    await #expect(throws: SPError.timedOut) { try await pull.receive() }
    let req = Req0()
    defer { req.close() }
    await #expect(throws: SPError.self) { try await req.receive() }
    let rep = Rep0()
    defer { rep.close() }
    await #expect(throws: SPError.self) { try await rep.send("no request") }
  }

  @Test func cancellingAReceiveThrowsCancellation() async throws {
    let pull = Pull0()
    defer { pull.close() }
    let waiting = Task { try await pull.receive() }
    waiting.cancel()
    await #expect(throws: CancellationError.self) { try await waiting.value }
  }

  @Test func addressesInUseAndRefusedConnections() async throws {
    let first = Pull0()
    let second = Pull0()
    defer {
      first.close()
      second.close()
    }
    let bound = try await first.listen("tcp://127.0.0.1:0").address
    await #expect(throws: SPError.addressInUse(bound.url)) { try await second.listen(bound.url).address }
    let url = inprocName()
    try await first.listen(url)
    await #expect(throws: SPError.addressInUse(url)) { try await second.listen(url).address }
    let push = Push0()
    defer { push.close() }
    await #expect(throws: SPError.connectionRefused("inproc://nobody-here")) {
      try await push.dial("inproc://nobody-here")
    }
    await #expect(throws: SPError.self) { try await push.dial("tcp://127.0.0.1:1") }
    await #expect(throws: SPError.unsupportedTransport("udp")) { try await push.dial("udp://127.0.0.1:1") }
    await #expect(throws: SPError.self) { try await push.dial("tcp://127.0.0.1") }
  }

  @Test func wrongProtocolOverInprocIsAMismatch() async throws {
    let pull = Pull0()
    let req = Req0()
    defer {
      pull.close()
      req.close()
    }
    let url = inprocName()
    try await pull.listen(url)
    await #expect(throws: SPError.peerMismatch(expected: 0x31, actual: 0x51)) { try await req.dial(url) }
  }

  @Test func pair0RefusesASecondConnection() async throws {
    let pair = Pair0()
    let first = Pair0()
    let second = Pair0()
    defer {
      pair.close()
      first.close()
      second.close()
    }
    let bound = try await pair.listen("tcp://127.0.0.1:0").address
    try await first.dial(bound.url)
    try await second.dial(bound.url, waitForConnection: false)
    try await eventually("the second connection is refused") { pair.statistics.pipesRefused >= 1 }
    #expect(pair.statistics.pipesOpen == 1)
    try await first.send("still works")
    #expect(try await pair.receive().string == "still works")
  }

  @Test func dialerReconnectsWhenItsListenerRestarts() async throws {
    var options = SocketOptions()
    options.reconnectMinimum = .milliseconds(20)
    let push = Push0(options: options)
    defer { push.close() }
    let path = uniqueIPCPath()
    var pull = Pull0()
    try await pull.listen(path)
    try await push.dial(path)
    try await push.send("before")
    #expect(try await pull.receive().string == "before")
    pull.close()
    try await eventually("the push notices") { push.statistics.pipesOpen == 0 }
    pull = Pull0()
    defer { pull.close() }
    try await pull.listen(path)
    try await push.send("after")  // waits until the dialer is back
    #expect(try await pull.receive().string == "after")
    #expect(push.statistics.pipesTotal == 2)
  }

  @Test func backgroundDialConnectsWhenTheListenerAppears() async throws {
    var options = SocketOptions()
    options.reconnectMinimum = .milliseconds(20)
    let push = Push0(options: options)
    defer { push.close() }
    let path = uniqueIPCPath()
    try await push.dial(path, waitForConnection: false)
    let pull = Pull0()
    defer { pull.close() }
    try await pull.listen(path)
    try await push.send("late")
    #expect(try await pull.receive().string == "late")
  }

  @Test func requestSurvivesItsRepDying() async throws {
    let req = Req0()
    defer { req.close() }
    let bound = try await req.listen("tcp://127.0.0.1:0").address
    let dying = Rep0()
    try await dying.dial(bound.url)
    async let reply = req.request("important")
    let first = try await dying.nextRequest()
    #expect(first.message.string == "important")
    dying.close()  // dies without answering
    let survivor = Rep0()
    defer { survivor.close() }
    try await survivor.dial(bound.url)
    let again = try await survivor.nextRequest()
    #expect(again.message.header == first.message.header, "the same request ID")
    try await again.reply("done")
    #expect(try await reply.string == "done")
  }

  @Test func ipcListenerRemovesStaleFilesAndItsOwnPath() async throws {
    let path = uniqueIPCPath()
    let file = String(path.dropFirst("ipc://".count))
    #expect(FileManager.default.createFile(atPath: file, contents: nil))
    let pull = Pull0()
    await #expect(throws: SPError.self, "a regular file is not taken over") {
      try await pull.listen(path).address
    }
    try FileManager.default.removeItem(atPath: file)
    try await pull.listen(path)
    #expect(FileManager.default.fileExists(atPath: file))
    pull.close()
    #expect(!FileManager.default.fileExists(atPath: file))
  }

  @Test func subKeepsTheNewestWhenItsQueueIsFullAndCountsTheRest() async throws {
    var options = SocketOptions()
    options.receiveBufferSize = 4
    let sub = Sub0(options: options)
    let pub = Pub0()
    defer {
      pub.close()
      sub.close()
    }
    sub.subscribe("")
    try await join(sub, pub)
    for i in 0..<10 { try await pub.send(Message(string: "\(i)")) }  // never waits
    #expect(sub.statistics.drops[.queueFull] == 6)
    var received: [String] = []
    for _ in 0..<4 { received.append(try await sub.receive().string) }
    #expect(received == ["6", "7", "8", "9"])
  }

  @Test func pubNeverBlocksOnAStalledSubscriberAndCountsWhatItLoses() async throws {
    let pub = Pub0()
    defer { pub.close() }
    let address = try await pub.listen("tcp://127.0.0.1:0").address
    let stalled = try await RawPeer(connectingTo: address, reading: false)
    defer { stalled.close() }
    try await stalled.handshake(as: .sub0)
    try await eventually("the subscriber is attached") { pub.statistics.pipesOpen == 1 }
    // Publish into a peer that reads nothing until the pub reports its first loss: every send
    // returns at once, and once the connection's buffers are full the rest are counted drops.
    let big = Message(Array(repeating: UInt8(1), count: 64 * 1024))
    var sent = 0
    while pub.statistics.drops[.queueFull, default: 0] == 0, sent < 20_000 {
      try await pub.send(big)
      sent += 1
      await Task.yield()
    }
    #expect(pub.statistics.drops[.queueFull, default: 0] > 0)
    #expect(pub.statistics.messagesOut + pub.statistics.totalDrops == sent)
  }

  @Test func unsubscribingAnUnknownTopicIsAnError() throws {
    let sub = Sub0()
    defer { sub.close() }
    sub.subscribe("a")
    sub.subscribe("a")
    #expect(sub.topics == [Array("a".utf8)])
    try sub.unsubscribe("a")
    #expect(throws: SPError.self) { try sub.unsubscribe("a") }
  }

  @Test func unansweredRequestsGoOutAgainAfterTheResendTime() async throws {
    var options = SocketOptions()
    options.resendTime = .milliseconds(50)
    let req = Req0(options: options)
    let rep = Rep0()
    defer {
      req.close()
      rep.close()
    }
    try await join(rep, req)
    let reply = Task { try await req.request("again?") }
    let ignored = try await rep.nextRequest()
    let resent = try await rep.nextRequest()
    #expect(resent.message.header == ignored.message.header, "the same request ID")
    #expect(resent.message.string == "again?")
    try await resent.reply("yes")
    #expect(try await reply.value.string == "yes")
  }
}
