import Starling
import StarlingHTTP
import Testing

/// An SP socket mounted on a path of an HTTP server: nng and Starling peers reach it over
/// `ws://` on the server's port, beside plain requests and WebSockets on other paths.
@Suite(.timeLimit(.minutes(5))) struct SPMountTests {
  @Test func pynngReachesAMountedRepBesideHTTPAndWebSockets() async throws {
    let rep = Rep0()
    defer { rep.close() }
    let answering = Task {
      while true {
        let request = try await rep.nextRequest()
        try await request.reply(Message(string: "sp: \(request.message.string)"))
      }
    }
    defer { answering.cancel() }
    try await TestServer.with(handle: WebSocketTests.echo) { server in
      try server.server.mount(rep, at: "/sp")
      let peer = try Program.peer("sp_req.py", ["ws://127.0.0.1:\(server.port)/sp", "from nng"])
      #expect(try await peer.line("REPLY") == "REPLY sp: from nng")
      _ = await peer.finish()

      let req = Req0()
      defer { req.close() }
      try await req.dial("ws://127.0.0.1:\(server.port)/sp")
      #expect(try await req.request(Message(string: "from starling")).string == "sp: from starling")

      #expect(try await curl("\(server.url)/plain").stdout == "plain")
      try await WebSocketTests.stillServes(server)
    }
  }

  @Test func aWrongSubprotocolOnAMountedPathGets400() async throws {
    let rep = Rep0()
    defer { rep.close() }
    try await TestServer.with(handle: WebSocketTests.echo) { server in
      try server.server.mount(rep, at: "/sp")
      #expect(throws: SPError.self) { try server.server.mount(rep, at: "/sp") }
      await #expect(throws: WebSocketError.self) {
        try await WebSocket.connect("ws://127.0.0.1:\(server.port)/sp", subprotocols: ["chat"])
      }
      _ = try await server.log.line(containing: "rep.sp.nanomsg.org", "asked for chat")
      server.server.unmount(at: "/sp")
      // Unmounted, the path is the program's again.
      let socket = try await WebSocket.connect("ws://127.0.0.1:\(server.port)/sp", subprotocols: ["chat"])
      #expect(socket.subprotocol == "chat")
      await socket.close()
    }
  }
}
