import StarlingChannels
import StarlingSystem
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The StarlingSystem examples of the README and the DocC catalog, verbatim, so that they
/// compile and run.
@Suite(.timeLimit(.minutes(5))) struct DocumentationExamplesTests {
  @Test func process() async throws {
    let grep = try await ChildProcess.spawn("grep", arguments: ["-c", "starling"])
    try await grep.stdin.write("a starling\na sparrow\nanother starling\n")
    try await grep.stdin.closeWrite()
    let count = try await grep.stdout.readLine()  // "2"
    let status = try await grep.wait()  // .exited(0)

    let uname = try await ChildProcess.run("uname", arguments: ["-s"])
    print(uname.status, uname.output)  // exited with code 0 Linux

    #expect(count == "2")
    #expect(status == .exited(0))
    #expect(uname.status.isSuccess && !uname.output.isEmpty)
  }

  @Test func lineServer() async throws {
    let listener = try await StreamListener.listen("tcp://127.0.0.1:0")
    let server = Task {
      for try await connection in listener.connections {
        Task {
          for try await line in connection.lines {
            try await connection.write(line.uppercased() + "\n")
          }
        }
      }
    }

    let client = try await ByteStream.connect(listener.address.url)
    try await client.write("hello\n")
    let reply = try await client.readLine()  // "HELLO"

    #expect(reply == "HELLO")
    client.close()
    listener.close()
    try await server.value
  }

  @Test func packets() async throws {
    let packets = try await StreamListener.listen("tcp://127.0.0.1:0")
    async let accepted = packets.accept()
    let sender = PacketStream(try await ByteStream.connect(packets.address.url))
    let receiver = PacketStream(try await accepted!)
    try await sender.send(ByteBuffer(string: "one whole message"))
    let packet = try await receiver.receive()  // 17 bytes, in one piece

    #expect(packet.map { String(buffer: $0) } == "one whole message")
    packets.close()
  }

  @Test func threadPool() async throws {
    let pool = ThreadPool(threads: 2)
    let total = try await pool.run {
      (1...1_000_000).reduce(0, +)  // stands for blocking work: a C library call, a slow disk
    }

    #expect(total == 500_000_500_000)
  }

  @Test func udpAndDNS() async throws {
    let socket = try await UDPSocket.bind("udp://127.0.0.1:0")
    let echo = try await UDPSocket.bind("udp://127.0.0.1:0")
    try await socket.send(ByteBuffer(string: "ping"), to: echo.localAddress)
    let datagram = try await echo.receive()!
    try await echo.send(datagram.data, to: datagram.sender)
    let back = try await socket.receive()  // "ping", from echo.localAddress

    let addresses = try await DNS.resolve("localhost")
    print(addresses.map(\.ipAddress))  // ["127.0.0.1"], and "::1" where /etc/hosts has it

    #expect(back.map { String(buffer: $0.data) } == "ping")
    #expect(back?.sender == echo.localAddress)
    #expect(addresses.map(\.ipAddress).contains("127.0.0.1"))
  }
}

// The signals example runs with the other signal tests, one at a time: the signal it raises
// is the test process's.
extension SignalsTests {
  @Test func documentationSignals() async throws {
    let signals = try Signals.stream([.user1])
    let jobs = Channel<String>(capacity: 16)
    try await jobs.send("resize thumbnails")
    kill(getpid(), SIGUSR1)  // as `kill -USR1 <pid>` would from a shell
    var events: [String] = []
    for _ in 0..<2 {
      let event = try await select {
        onReceive(signals) { signal in "status report on \(signal!)" }
        onReceive(jobs) { job in "job: \(job!)" }
      }
      events.append(event)
    }
    print(events)  // "job: resize thumbnails" and "status report on SIGUSR1", in either order

    #expect(Set(events) == ["job: resize thumbnails", "status report on SIGUSR1"])
  }
}
