import Starling
import Testing

/// The socket examples of the README, verbatim, so that they compile and run.
@Suite(.timeLimit(.minutes(5))) struct DocumentationExamplesTests {
  @Test func readmeRequestReply() async throws {
    let server = Rep0()
    let address = try await server.listen("tcp://127.0.0.1:0").address  // port 0: the system picks
    let serving = Task {
      for try await request in server.requests {
        try await request.reply(Message(string: "hello, " + request.message.string))
      }
    }

    let client = Req0()
    try await client.dial(address.url)
    let reply = try await client.request("starling")
    print(reply.string)  // hello, starling

    client.close()
    server.close()
    try await serving.value
    #expect(reply.string == "hello, starling")
  }

  @Test func doccNetworkAddress() throws {
    let address = try Address("tcp://[::1]:5555")
    #expect(address.host == "::1" && address.port == 5555)
    #expect(throws: SPError.invalidAddress("tcp://localhost", reason: "a port is required (host:port)")) {
      try Address("tcp://localhost")
    }
  }

  @Test func doccContexts() async throws {
    let rep = Rep0()
    let req = Req0()
    let url = "inproc://docc-contexts"
    try await rep.listen(url)
    try await req.dial(url)
    let serving = Task {
      let request = try await rep.nextRequest()
      try await request.reply("all good")
    }

    let context = req.makeContext()
    context.receiveTimeout = .seconds(5)
    let reply = try await context.request("status?")

    try await serving.value
    req.close()
    rep.close()
    #expect(reply.string == "all good")
  }

  @Test func doccManualClockTimeout() async throws {
    let clock = ManualClock()
    var options = SocketOptions()
    options.clock = AnyClock(clock)
    options.receiveTimeout = .seconds(30)
    let pull = Pull0(options: options)

    let receiving = Task { try await pull.receive() }
    await clock.waitForSleepers()  // the receive's timer is running
    #expect(clock.advance(by: .seconds(29)) == 0)  // wakes nothing
    #expect(clock.advance(by: .seconds(1)) == 1)  // the timeout
    await #expect(throws: SPError.timedOut) { try await receiving.value }
    pull.close()
  }

  @Test func doccRPC() async throws {
    struct AddArguments: Codable { var a: Int; var b: Int }

    // The server.
    let rep = Rep0()
    let address = try await rep.listen("tcp://127.0.0.1:0").address  // port 0: the system picks
    let server = RPCServer(socket: rep)
    try server.register("add") { (arguments: AddArguments) in arguments.a + arguments.b }
    try server.register("ping") { "pong" }
    let serving = Task { try await server.run() }

    // The client.
    let req = Req0()
    try await req.dial(address.url)
    let client = RPCClient(socket: req)
    let sum: Int = try await client.call("add", AddArguments(a: 1, b: 2), timeout: .seconds(30))
    let pong = try await client.call("ping", returning: String.self)
    print(sum, pong)  // 3 pong

    req.close()
    rep.close()
    try await serving.value  // run() returns once the socket is closed
    #expect(sum == 3)
    #expect(pong == "pong")
  }

  @Test func doccRPCPeer() async throws {
    let left = Pair1()
    let address = try await left.listen("tcp://127.0.0.1:0").address
    let right = Pair1()
    try await right.dial(address.url)

    let server = RPCPeer(socket: left)
    try server.register("greet") { (name: String) in "hello, \(name)" }
    let client = RPCPeer(socket: right)
    try client.register("whoami") { "right" }
    let running = [Task { try await server.run() }, Task { try await client.run() }]

    // Each side calls the other while it answers the other's calls.
    let greeting: String = try await client.call("greet", "left", timeout: .seconds(30))
    let name: String = try await server.call("whoami", timeout: .seconds(30))
    print(greeting, name)  // hello, left right

    left.close()
    right.close()
    for task in running { try await task.value }  // run() returns once the socket is closed
    #expect(greeting == "hello, left")
    #expect(name == "right")
  }

  @Test func doccVirtualNetwork() async throws {
    let network = VirtualNetwork(seed: 42)
    let client = try network.addHost("client")
    let server = try network.addHost("server")
    let link = VirtualLinkConditions(latency: .milliseconds(5), jitter: .milliseconds(2))
    try network.link(client, server, link)

    let rep = Rep0()
    server.place(rep)
    try await rep.listen("virtual://server/echo")
    let req = Req0()
    client.place(req)
    try await req.dial("virtual://server/echo")

    async let reply = req.request("ping")
    let request = try await rep.nextRequest()
    try await request.reply("pong")
    print(try await reply.string)  // pong

    try network.cut(client, server)  // both pipes close; dials fail until the heal
    try network.heal(client, server)  // the req's dialer reconnects on its own

    #expect(try await reply.string == "pong")
    #expect(rep.statistics.pipesTotal == 1)
    req.close()
    rep.close()
  }
}
