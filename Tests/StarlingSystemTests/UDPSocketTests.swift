import NIOCore
import StarlingChannels
import Testing

@testable import StarlingSystem

/// UDP both ways with Python, multicast on the loopback interface, and the bad inputs.
@Suite(.timeLimit(.minutes(5))) struct UDPSocketTests {
  @Test func aPythonEchoAnswersAndTheSenderIsKnown() async throws {
    let peer = try await PythonPeer.start("udp_peer.py", ["echo"])
    defer { peer.kill() }
    let port = Int(try await peer.line("BOUND")) ?? 0
    let socket = try await UDPSocket.bind("udp://127.0.0.1:0")
    defer { socket.close() }
    #expect(socket.localAddress.port != 0)
    let python = try SocketAddress(ipAddress: "127.0.0.1", port: port)
    try await socket.send(ByteBuffer(string: "ping"), to: python)
    let answer = try #require(try await socket.receive())
    #expect(String(buffer: answer.data) == "echo: ping")
    #expect(answer.sender.port == port)
  }

  @Test func pythonSendsAndStarlingAnswersTheSender() async throws {
    let socket = try await UDPSocket.bind("udp://127.0.0.1:0")
    defer { socket.close() }
    let answering = Task {
      for try await datagram in socket.datagrams {
        try await socket.send(
          ByteBuffer(string: "swift: " + String(buffer: datagram.data)), to: datagram.sender)
        return
      }
    }
    let peer = try await PythonPeer.start(
      "udp_peer.py", ["send", "127.0.0.1", String(socket.localAddress.port ?? 0), "hello"])
    defer { peer.kill() }
    let line = try await peer.line("FROM")
    #expect(line == "\(socket.localAddress.port ?? 0) swift: hello")
    try await answering.value
  }

  @Test func ipv6LoopbackBothWays() async throws {
    let peer = try await PythonPeer.start("udp_peer.py", ["echo", "::1"])
    defer { peer.kill() }
    let port = Int(try await peer.line("BOUND")) ?? 0
    let socket = try await UDPSocket.bind("udp6://[::1]:0")
    defer { socket.close() }
    try await socket.send([1, 2, 3], to: try SocketAddress(ipAddress: "::1", port: port))
    let answer = try #require(try await socket.receive())
    #expect(Array(answer.data.readableBytesView) == Array("echo: ".utf8) + [1, 2, 3])
  }

  /// On the system's default interface, whose multicast the host loops back to itself.
  @Test func multicastJoinedAndLeft() async throws {
    let socket = try await UDPSocket.bind("udp://0.0.0.0:0", reuseAddress: true)
    defer { socket.close() }
    try await socket.joinMulticastGroup("239.255.42.99")
    let port = socket.localAddress.port ?? 0
    let sender = try await PythonPeer.start(
      "udp_peer.py", ["multicast", "239.255.42.99", String(port), "to all"])
    defer { sender.kill() }
    let datagram = try #require(try await socket.receive())
    #expect(String(buffer: datagram.data) == "to all")
    try await socket.leaveMulticastGroup("239.255.42.99")
  }

  @Test func badInputsAreTypedErrors() async throws {
    let socket = try await UDPSocket.bind("udp://127.0.0.1:0")
    let target = socket.localAddress
    await #expect(throws: SPError.messageTooLarge(size: 70000, limit: UDPSocket.maxDatagramSize)) {
      try await socket.send(ByteBuffer(repeating: 0, count: 70000), to: target)
    }
    await #expect(throws: SPError.invalidAddress("10.0.0.1", reason: "not a multicast group address")) {
      try await socket.joinMulticastGroup("10.0.0.1")
    }
    await #expect(
      throws: SPError.invalidAddress(
        "no-such-interface", reason: "no network interface of that name with an address of the group's family"
      )
    ) {
      try await socket.joinMulticastGroup("239.1.1.1", interface: "no-such-interface")
    }
    await #expect(throws: SPError.addressInUse("udp://127.0.0.1:\(target.port ?? 0)")) {
      try await UDPSocket.bind("udp://127.0.0.1:\(target.port ?? 0)")
    }
    socket.close()
    #expect(try await socket.receive() == nil, "a closed socket ends its datagrams")
    await #expect(throws: SPError.closed) { try await socket.send([1], to: target) }
    await #expect(throws: SPError.invalidAddress("udp://127.0.0.1", reason: "a port is required (host:port)"))
    {
      try await UDPSocket.bind("udp://127.0.0.1")
    }
    await #expect(
      throws: SPError.invalidAddress(
        "tcp://127.0.0.1:0", reason: "a UDP socket binds udp://, udp4:// or udp6://, not tcp://")
    ) { try await UDPSocket.bind("tcp://127.0.0.1:0") }
  }

  @Test func aSocketIsASelectCaseAndWhatTheOtherCaseGetsIsNotLost() async throws {
    let socket = try await UDPSocket.bind("udp://127.0.0.1:0")
    let sender = try await UDPSocket.bind("udp://127.0.0.1:0")
    defer { sender.close() }
    let jobs = StarlingChannels.Channel<String>(capacity: 1)
    for round in 0..<64 {
      let selecting = Task {
        try await select {
          onReceive(socket) { datagram in datagram.map { String(buffer: $0.data) } ?? "closed" }
          onReceive(jobs) { job in job ?? "end" }
        }
      }
      // Both come while the select waits (or as it starts): exactly one case fires, and the
      // other's value is still there to receive.
      try await sender.send(ByteBuffer(string: "datagram \(round)"), to: socket.localAddress)
      try await jobs.send("job \(round)")
      let outcome = try await selecting.value
      if outcome == "datagram \(round)" {
        #expect(try await jobs.receive() == "job \(round)", "the job was not taken")
      } else {
        #expect(outcome == "job \(round)")
        let datagram = try await socket.receive()
        #expect(datagram.map { String(buffer: $0.data) } == "datagram \(round)", "the datagram was not taken")
        #expect(datagram?.sender == sender.localAddress)
      }
    }
    #expect(socket.selectTryTake() == nil && jobs.count == 0, "nothing left over")
    socket.close()
    let closed = try await select {
      onReceive(socket) { datagram in datagram == nil ? "closed" : "a datagram" }
    }
    #expect(closed == "closed")
  }
}
