import Foundation
import Starling
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

  @Test func doccUpload() async throws {
    var configuration = HTTPServer.Configuration()
    configuration.maxBodySize = 64 * 1024
    let server = try await HTTPServer.listen("http://127.0.0.1:0", configuration: configuration)
    let serving = Task {
      await withDiscardingTaskGroup { group in
        for await request in server.requests {
          group.addTask {
            guard request.method == .POST, request.path == "/upload" else {
              try? await request.reply(status: .notFound, body: "no such page\n")
              return
            }
            do {
              var bytes = 0
              for try await chunk in request.bodyChunks { bytes += chunk.readableBytes }
              try await request.reply(status: .created, body: "stored \(bytes) bytes\n")
            } catch {
              // Past maxBodySize the server has answered 413 itself; a client that went away
              // hears nothing.
            }
          }
        }
      }
    }

    let base = "http://127.0.0.1:\(server.address.port)"
    let small = try temporaryFile(bytes: 10_000)
    let large = try temporaryFile(bytes: 100_000)
    defer { for file in [small, large] { try? FileManager.default.removeItem(atPath: file) } }
    let stored = try await curl("-w", " %{http_code}", "--data-binary", "@\(small)", "\(base)/upload")
    #expect(stored.stdout == "stored 10000 bytes\n 201")
    let refused = try await curl(
      "-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@\(large)", "\(base)/upload")
    #expect(refused.stdout == "413")
    let missing = try await curl("-w", " %{http_code}", "\(base)/other")
    #expect(missing.stdout == "no such page\n 404")
    await server.stop()
    await serving.value
  }

  @Test func doccEvents() async throws {
    let server = try await HTTPServer.listen("http://127.0.0.1:0")
    let serving = Task {
      for await request in server.requests {
        // A browser reconnecting after a drop says which event it saw last.
        let last = request.headers.first(name: "last-event-id").flatMap(Int.init) ?? 0
        try await request.replyEvents { events in
          try await events.send(ServerSentEvent(data: "welcome", retry: .seconds(2)))
          for number in (last + 1)...(last + 3) {
            try await events.send(ServerSentEvent(data: "update \(number)", id: "\(number)"))
          }
        }
      }
    }

    let answer = try await curl("-H", "Last-Event-ID: 5", "http://127.0.0.1:\(server.address.port)/updates")
    #expect(
      answer.stdout
        == "retry: 2000\ndata: welcome\n\nid: 6\ndata: update 6\n\nid: 7\ndata: update 7\n\nid: 8\ndata: update 8\n\n"
    )
    await server.stop()
    try await serving.value
  }

  @Test func doccWebSocketSubprotocol() async throws {
    let server = try await HTTPServer.listen("http://127.0.0.1:0")
    let serving = Task {
      for await request in server.requests {
        guard request.isWebSocketUpgrade else {
          try? await request.reply(status: .badRequest, body: "WebSocket only\n")
          continue
        }
        // The first of ours that the client offers: v2 before v1.
        let chosen = ["v2", "v1"].first { request.webSocketSubprotocols.contains($0) }
        var settings = WebSocket.Configuration()
        settings.maxMessageSize = 64 * 1024
        settings.pingInterval = .seconds(20)
        let socket = try await request.upgradeToWebSocket(subprotocol: chosen, configuration: settings)
        try await socket.send(text: "speaking \(chosen ?? "no subprotocol")")
        await socket.close(code: .normalClosure, reason: "bye")
      }
    }

    let client = try await WebSocket.connect(
      "ws://127.0.0.1:\(server.address.port)/", subprotocols: ["v1", "v2"])
    var received: [String] = []
    for try await message in client.messages {
      received.append(message.text ?? "binary")
    }
    // received == ["speaking v2"]; client.subprotocol == "v2"; client.closeCode == .normalClosure
    #expect(received == ["speaking v2"])
    #expect(client.subprotocol == "v2")
    #expect(client.closeCode == .normalClosure)
    let plain = try await curl("-w", " %{http_code}", "http://127.0.0.1:\(server.address.port)/")
    #expect(plain.stdout == "WebSocket only\n 400")
    await server.stop()
    try await serving.value
  }

  @Test func doccWebSocketMount() async throws {
    let server = try await HTTPServer.listen("http://127.0.0.1:0")
    let rep = Rep0()
    try server.mount(rep, at: "/rpc")
    let answering = Task {
      while true {
        let call = try await rep.nextRequest()
        try await call.reply(Message(string: "pong"))
      }
    }

    let req = Req0()
    try await req.dial("ws://127.0.0.1:\(server.address.port)/rpc")
    let reply = try await req.request(Message(string: "ping"))
    // reply.string == "pong"
    #expect(reply.string == "pong")
    req.close()
    rep.close()
    await #expect(throws: SPError.self) { try await answering.value }
    await server.stop()
  }
}
