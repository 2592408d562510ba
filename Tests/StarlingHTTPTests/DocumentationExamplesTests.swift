import StarlingHTTP
import Testing

/// The examples of the README's HTTP section and of the StarlingHTTP DocC catalog, verbatim,
/// so that they compile and run (`scripts/check_examples.py` checks they are here).
@Suite(.timeLimit(.minutes(5))) struct DocumentationExamplesTests {
  @Test func readmeHTTPServer() async throws {
    let server = try await HTTPServer.listen("http://127.0.0.1:0")
    let serving = Task {
      for await request in server.requests {
        let name = request.queryItems.first { $0.name == "name" }?.value ?? "world"
        // A client that went away fails its own reply only.
        try? await request.reply(body: "hello, \(name)\n")
      }
    }

    let answer = try await curl("http://127.0.0.1:\(server.address.port)/hello?name=Starling")
    #expect(answer.stdout == "hello, Starling\n")
    await server.stop()
    await serving.value
  }

  @Test func readmeHTTPStreaming() async throws {
    let server = try await HTTPServer.listen("http://127.0.0.1:0")
    let serving = Task {
      for await request in server.requests {
        switch request.path {
        case "/count":
          // Chunked: each line goes out as it is written.
          try await request.reply(headers: ["content-type": "text/plain"]) { writer in
            for number in 1...3 { try await writer.write("\(number)\n") }
          }
        case "/ticks":
          // Server-sent events, for a browser's EventSource.
          try await request.replyEvents { events in
            for tick in 1...2 {
              try await events.send(ServerSentEvent(data: "tick \(tick)", event: "tick", id: "\(tick)"))
            }
          }
        default:
          try await request.reply(status: .notFound, body: "no such page\n")
        }
      }
    }

    let base = "http://127.0.0.1:\(server.address.port)"
    #expect(try await curl("\(base)/count").stdout == "1\n2\n3\n")
    #expect(
      try await curl("\(base)/ticks").stdout
        == "event: tick\nid: 1\ndata: tick 1\n\nevent: tick\nid: 2\ndata: tick 2\n\n")
    await server.stop()
    try await serving.value
  }

  @Test func readmeWebSocketEcho() async throws {
    // Each message back as it came, until the client closes.
    @Sendable func echo(_ request: HTTPRequest) async throws {
      let socket = try await request.upgradeToWebSocket()
      for try await message in socket.messages {
        switch message {
        case .text(let text): try await socket.send(text: text)
        case .binary(let bytes): try await socket.send(binary: bytes)
        }
      }
    }

    let server = try await HTTPServer.listen("http://127.0.0.1:0")
    let serving = Task {
      await withDiscardingTaskGroup { group in
        for await request in server.requests {
          group.addTask { try? await echo(request) }
        }
      }
    }

    let client = try await WebSocket.connect("ws://127.0.0.1:\(server.address.port)/echo")
    try await client.send(text: "hello")
    for try await message in client.messages {
      #expect(message == .text("hello"))
      break
    }
    await client.close()
    await server.stop()
    await serving.value
  }
}
