import Foundation
import NIOCore
import StarlingChannels
import Testing

@testable import StarlingSystem

/// Stream sockets against Python's own socket and ssl modules: a line server and a line
/// client over TCP, TLS (openssl-made certificates) and a Unix socket, IPv6 loopback, and the
/// ways connecting and listening fail.
@Suite(.timeLimit(.minutes(5))) struct StreamSocketTests {
  /// Sends `lines` to a Python line server at `url` and returns its answers.
  private func talk(to url: String, tls: TLSOptions? = nil, _ lines: [String]) async throws -> [String] {
    let stream = try await ByteStream.connect(url, tls: tls)
    defer { stream.close() }
    var answers: [String] = []
    for line in lines {
      try await stream.write(line + "\n")
      answers.append(try await stream.readLine() ?? "<end>")
    }
    return answers
  }

  /// Serves one connection of `listener`: answers each line with "swift: <line>".
  private func serveOne(_ listener: StreamListener) -> Task<Void, any Error> {
    Task {
      guard let connection = try await listener.accept() else { return }
      for try await line in connection.lines { try await connection.write("swift: \(line)\n") }
    }
  }

  @Test func aPythonLineServerOverTCP() async throws {
    let peer = try await PythonPeer.start("line_peer.py", ["server", "tcp"])
    defer { peer.kill() }
    let port = try await peer.line("LISTENING")
    #expect(
      try await talk(to: "tcp://127.0.0.1:\(port)", ["hello", "wörld"]) == ["echo: hello", "echo: wörld"])
  }

  @Test func aPythonLineClientOverTCP() async throws {
    let listener = try await StreamListener.listen("tcp://127.0.0.1:0")
    defer { listener.close() }
    let serving = serveOne(listener)
    let port = listener.address.port
    #expect(port != 0, "the address names the port the system chose")
    let peer = try await PythonPeer.start(
      "line_peer.py", ["client", "tcp", "127.0.0.1:\(port)", "one", "two"])
    defer { peer.kill() }
    #expect(try await peer.linesUntilEnd() == ["swift: one", "swift: two"])
    try await serving.value
    #expect(try await peer.process.wait() == .exited(0))
  }

  @Test func tlsBothWaysWithOpensslCertificates() async throws {
    let certificates = try await TestCertificates.get()
    // Python serves, Starling connects trusting the test CA.
    let server = try await PythonPeer.start(
      "line_peer.py", ["server", "tls"],
      environment: [
        "PEER_TLS_CERT": certificates.path("server", "crt"),
        "PEER_TLS_KEY": certificates.path("server", "key"),
      ])
    defer { server.kill() }
    let port = try await server.line("LISTENING")
    #expect(
      try await talk(to: "tls+tcp://127.0.0.1:\(port)", tls: certificates.dialer(), ["secret"]) == [
        "echo: secret"
      ])

    // Starling serves, Python connects trusting the test CA.
    let listener = try await StreamListener.listen("tls+tcp://127.0.0.1:0", tls: certificates.listener())
    defer { listener.close() }
    let serving = serveOne(listener)
    let client = try await PythonPeer.start(
      "line_peer.py", ["client", "tls", "127.0.0.1:\(listener.address.port)", "over tls"],
      environment: ["PEER_TLS_CA": certificates.path("ca", "crt")])
    defer { client.kill() }
    #expect(try await client.linesUntilEnd() == ["swift: over tls"])
    try await serving.value
  }

  @Test func tlsRefusesAnUntrustedServerWithTheReason() async throws {
    let certificates = try await TestCertificates.get()
    let listener = try await StreamListener.listen(
      "tls+tcp://127.0.0.1:0", tls: certificates.listener("stranger"))
    defer { listener.close() }
    let error = await #expect(throws: SPError.self) {
      try await ByteStream.connect(listener.address.url, tls: certificates.dialer())
    }
    #expect(
      error == .tlsUnknownAuthority("the peer's certificate 'localhost' is self-signed and not trusted"))
  }

  @Test func aUnixSocketBothWays() async throws {
    let path = uniqueSocketPath()
    let server = try await PythonPeer.start("line_peer.py", ["server", "unix", path])
    defer { server.kill() }
    #expect(try await server.line("LISTENING") == path)
    #expect(try await talk(to: "unix://\(path)", ["via unix"]) == ["echo: via unix"])

    let ownPath = uniqueSocketPath()
    let listener = try await StreamListener.listen("ipc://\(ownPath)")
    let serving = serveOne(listener)
    let client = try await PythonPeer.start("line_peer.py", ["client", "unix", ownPath, "back"])
    defer { client.kill() }
    #expect(try await client.linesUntilEnd() == ["swift: back"])
    try await serving.value
    #expect(FileManager.default.fileExists(atPath: ownPath))
    listener.close()
    #expect(!FileManager.default.fileExists(atPath: ownPath), "closing removes the socket file")
  }

  @Test func ipv6Loopback() async throws {
    let listener = try await StreamListener.listen("tcp://[::1]:0")
    defer { listener.close() }
    #expect(listener.address.host == "::1" && listener.address.port != 0)
    let serving = serveOne(listener)
    #expect(try await talk(to: listener.address.url, ["six"]) == ["swift: six"])
    try await serving.value
    let peer = try await PythonPeer.start("line_peer.py", ["server", "tcp", "::1"])
    defer { peer.kill() }
    let port = try await peer.line("LISTENING")
    #expect(try await talk(to: "tcp6://[::1]:\(port)", ["from swift"]) == ["echo: from swift"])
  }

  @Test func aListenerIsASelectCaseBesideAChannel() async throws {
    let listener = try await StreamListener.listen("tcp://127.0.0.1:0")
    let quit = StarlingChannels.Channel<Void>()
    let selecting = Task {
      try await select {
        onReceive(listener) { connection in connection }
        onReceive(quit) { _ in nil }
      }
    }
    let client = try await ByteStream.connect(listener.address.url)
    defer { client.close() }
    let accepted = try #require(try await selecting.value)
    try await client.write("through select\n")
    #expect(try await accepted.readLine() == "through select")
    listener.close()
    let ended = try await select {
      onReceive(listener) { connection in connection == nil ? "closed" : "a connection" }
      onReceive(quit) { _ in "quit" }
    }
    #expect(ended == "closed")
  }

  @Test func closingTheListenerEndsItsConnections() async throws {
    let listener = try await StreamListener.listen("tcp://127.0.0.1:0")
    let accepting = Task { try await listener.accept() }
    listener.close()
    #expect(try await accepting.value == nil)
    var count = 0
    for try await _ in listener.connections { count += 1 }
    #expect(count == 0)
  }

  @Test func aRefusedConnectionNamesTheAddress() async throws {
    // A port held by a socket that does not listen: the system refuses connections to it.
    let holder = try await PythonPeer.start("line_peer.py", ["unlistened"])
    defer { holder.kill() }
    let url = "tcp://127.0.0.1:\(try await holder.line("LISTENING"))"
    await #expect(throws: SPError.connectionRefused(url)) { try await ByteStream.connect(url) }
  }

  @Test func aConnectionNobodyAnswersTimesOut() async throws {
    // A listener whose backlog is full: the system drops the connection request unanswered.
    let full = try await PythonPeer.start("line_peer.py", ["full"])
    defer { full.kill() }
    let port = try await full.line("LISTENING")
    await #expect(throws: SPError.timedOut) {
      try await ByteStream.connect("tcp://127.0.0.1:\(port)", timeout: .milliseconds(300))
    }
  }

  @Test func aHandshakeThatNeverCompletesTimesOut() async throws {
    let certificates = try await TestCertificates.get()
    let silent = try await PythonPeer.start("line_peer.py", ["silent"])
    defer { silent.kill() }
    let port = try await silent.line("LISTENING")
    // The peer accepts and never answers: the TLS handshake cannot finish.
    await #expect(throws: SPError.timedOut) {
      try await ByteStream.connect(
        "tls+tcp://127.0.0.1:\(port)", tls: certificates.dialer(), timeout: .milliseconds(300))
    }
  }

  @Test func badAddressesAndOptionsSayWhatIsWrong() async throws {
    await #expect(throws: SPError.invalidAddress("tcp://localhost", reason: "a port is required (host:port)"))
    {
      try await ByteStream.connect("tcp://localhost")
    }
    await #expect(throws: SPError.unsupportedTransport("udp")) {
      try await ByteStream.connect("udp://x:80")
    }
    await #expect(
      throws: SPError.invalidAddress(
        "http://x:80", reason: "a byte stream uses tcp://, tls+tcp://, ipc:// or unix://, not http://")
    ) {
      try await ByteStream.connect("http://x:80")
    }
    await #expect(
      throws: SPError.invalidAddress(
        "ws://127.0.0.1:80", reason: "a byte stream uses tcp://, tls+tcp://, ipc:// or unix://, not ws://")
    ) { try await ByteStream.connect("ws://127.0.0.1:80") }
    await #expect(
      throws: SPError.invalidAddress(
        "tcp://127.0.0.1:1", reason: "TLS options given for a plain tcp:// address; use tls+tcp://")
    ) { try await ByteStream.connect("tcp://127.0.0.1:1", tls: TLSOptions()) }
    let error = await #expect(throws: SPError.self) {
      try await StreamListener.listen("tls+tcp://127.0.0.1:0")
    }
    #expect(error?.kind == .tlsFailed)
    #expect(error?.description.contains("needs a certificate and its private key") == true)
  }

  @Test func anAddressInUseIsRefused() async throws {
    let listener = try await StreamListener.listen("tcp://127.0.0.1:0")
    defer { listener.close() }
    await #expect(throws: SPError.addressInUse(listener.address.url)) {
      try await StreamListener.listen(listener.address.url)
    }
  }

  @Test func packetsBothLengthPrefixesAndTheirLimits() async throws {
    let (client, server, listener) = try await connectedPair()
    defer { listener.close() }
    for prefix in [PacketStream.LengthPrefix.uint32, .uint64] {
      let sending = PacketStream(client, prefix: prefix, maxSize: 1000)
      let receiving = PacketStream(server, prefix: prefix, maxSize: 1000)
      try await sending.send(ByteBuffer(string: "first"))
      try await sending.send([])
      try await sending.send(Array(repeating: 9, count: 1000))
      #expect(try await receiving.receive().map { String(buffer: $0) } == "first")
      #expect(try await receiving.receive()?.readableBytes == 0)
      #expect(try await receiving.receive()?.readableBytes == 1000)
      await #expect(throws: StreamError.packetTooLarge(size: 1001, limit: 1000)) {
        try await sending.send(Array(repeating: 9, count: 1001))
      }
    }
    // A length over the limit closes the stream: what follows cannot be framed.
    try await client.write([0, 0, 0x10, 0] + Array(repeating: 1, count: 16))
    let receiving = PacketStream(server, maxSize: 1000)
    await #expect(throws: StreamError.packetTooLarge(size: 4096, limit: 1000)) {
      try await receiving.receive()
    }
    await #expect(throws: StreamError.closed) { try await receiving.receive() }
  }

  @Test func packetsEndCleanlyBetweenAndNotInside() async throws {
    let (client, server, listener) = try await connectedPair()
    defer { listener.close() }
    let sending = PacketStream(client)
    try await sending.send(ByteBuffer(string: "whole"))
    try await client.write([0, 0, 0, 10, 1, 2])
    try await client.closeWrite()
    let receiving = PacketStream(server)
    var packets: [String] = []
    await #expect(throws: StreamError.unexpectedEnd(expected: 10, received: 2)) {
      for try await packet in receiving.packets { packets.append(String(buffer: packet)) }
    }
    #expect(packets == ["whole"])

    let (other, peer, otherListener) = try await connectedPair()
    defer { otherListener.close() }
    try await PacketStream(other).send(ByteBuffer(string: "only"))
    try await other.closeWrite()
    var received: [String] = []
    for try await packet in PacketStream(peer).packets { received.append(String(buffer: packet)) }
    #expect(received == ["only"])
  }
}
