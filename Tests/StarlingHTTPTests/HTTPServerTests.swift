import Foundation
import StarlingHTTP
import Testing

import struct StarlingChannels.Lock

/// The server against real curl (and a raw socket where curl cannot do it): requests,
/// bodies, keep-alive, pipelining, `Expect: 100-continue`, streaming replies, server-sent
/// events, dropped requests, a graceful stop, the connection cap and https.
@Suite(.timeLimit(.minutes(5))) struct HTTPServerTests {
  @Test func curlGetsAnAnswerWithThePathQueryAndHeaders() async throws {
    try await TestServer.with { request in
      let items = request.queryItems.map { "\($0.name)=\($0.value)" }.joined(separator: ";")
      try await request.reply(
        headers: ["x-path": String(request.path)],
        body: "\(request.method.rawValue) \(items) \(request.headers.first(name: "x-test") ?? "-")")
    } _: { server in
      let result = try await curl("-i", "-H", "x-test: yes", "\(server.url)/hello?name=a%20b&plus=c+d&empty")
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout.hasPrefix("HTTP/1.1 200 OK"))
      #expect(result.stdout.lowercased().contains("x-path: /hello"))
      #expect(result.stdout.lowercased().contains("content-type: text/plain; charset=utf-8"))
      #expect(result.stdout.hasSuffix("GET name=a b;plus=c d;empty= yes"))
    }
  }

  @Test func aBodyIsReadWholeOrInChunks() async throws {
    let file = try temporaryFile(bytes: 300_000)
    defer { try? FileManager.default.removeItem(atPath: file) }
    try await TestServer.with { request in
      if request.path == "/whole" {
        let body = try await request.body()
        try await request.reply(body: "whole \(body.readableBytes)")
      } else {
        var total = 0
        var chunks = 0
        for try await chunk in request.bodyChunks {
          total += chunk.readableBytes
          chunks += 1
        }
        try await request.reply(body: "chunks \(total) \(chunks > 1)")
      }
    } _: { server in
      let whole = try await curl("--data-binary", "@\(file)", "\(server.url)/whole")
      #expect(whole.stdout == "whole 300000")
      let chunked = try await curl(
        "-H", "Transfer-Encoding: chunked", "--data-binary", "@\(file)", "\(server.url)/chunks")
      #expect(chunked.stdout == "chunks 300000 true")
    }
  }

  @Test func expectContinueIsAnsweredWhenTheBodyIsRead() async throws {
    let file = try temporaryFile(bytes: 5000)
    defer { try? FileManager.default.removeItem(atPath: file) }
    try await TestServer.with { request in
      let body = try await request.body()
      try await request.reply(body: "\(body.readableBytes)")
    } _: { server in
      // curl waits a second for the 100 before it sends the body anyway; --expect100-timeout
      // makes that wait long, so an answer means the server sent the 100.
      let result = try await curl(
        "-v", "--expect100-timeout", "60", "-H", "Expect: 100-continue", "--data-binary", "@\(file)",
        "\(server.url)/upload")
      #expect(result.stderr.contains("HTTP/1.1 100 Continue"), "\(result.stderr)")
      #expect(result.stdout == "5000")
    }
  }

  @Test func keepAliveServesTwoRequestsOnOneConnection() async throws {
    try await TestServer.with { request in
      try await request.reply(body: "\(request.remoteAddress?.port ?? -1)\n")
    } _: { server in
      let result = try await curl("\(server.url)/one", "\(server.url)/two")
      let ports = result.stdout.split(separator: "\n")
      #expect(ports.count == 2)
      #expect(ports.first == ports.last, "both requests came over one connection: \(ports)")
    }
  }

  @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
    let seen = Lock<[String]>.make([])
    try await TestServer.with { request in
      seen.withLock { $0.append(String(request.path)) }
      // The first answer is slow: the others must still come after it.
      if request.path == "/1" {
        for _ in 0..<20 { await Task.yield() }
      }
      try await request.reply(body: String(request.path))
    } _: { server in
      let connection = try await RawConnection.connect(port: server.port)
      let requests = (1...3).map { "GET /\($0) HTTP/1.1\r\nhost: x\r\n\r\n" }.joined()
      try await connection.send(requests)
      var bodies: [String] = []
      for _ in 1...3 { bodies.append(try await connection.readResponse().body) }
      #expect(bodies == ["/1", "/2", "/3"])
      let order = seen.withLock { $0 }
      #expect(order == ["/1", "/2", "/3"])
      await connection.close()
    }
  }

  @Test func aStreamingReplyIsChunked() async throws {
    try await TestServer.with { request in
      try await request.reply(headers: ["content-type": "text/plain"]) { writer in
        for line in ["one\n", "two\n", "three\n"] { try await writer.write(line) }
      }
    } _: { server in
      let result = try await curl("-i", "-N", "\(server.url)/stream")
      #expect(result.stdout.lowercased().contains("transfer-encoding: chunked"), "\(result.stdout)")
      #expect(result.stdout.hasSuffix("\r\n\r\none\ntwo\nthree\n"))
    }
  }

  @Test func serverSentEventsReachCurl() async throws {
    try await TestServer.with { request in
      try await request.replyEvents { events in
        try await events.comment("hello")
        for tick in 1...2 {
          try await events.send(ServerSentEvent(data: "tick \(tick)\nline two", event: "tick", id: "\(tick)"))
        }
      }
    } _: { server in
      let result = try await curl("-i", "-N", "\(server.url)/events")
      #expect(result.stdout.lowercased().contains("content-type: text/event-stream"))
      #expect(result.stdout.lowercased().contains("cache-control: no-cache"))
      #expect(
        result.stdout.hasSuffix(
          ": hello\n\nevent: tick\nid: 1\ndata: tick 1\ndata: line two\n\nevent: tick\nid: 2\ndata: tick 2\ndata: line two\n\n"
        ))
    }
  }

  @Test func aDroppedRequestIsAnswered500AndLogged() async throws {
    try await TestServer.with { request in
      if request.path == "/drop" { return }
      try await request.reply(body: "fine")
    } _: { server in
      let dropped = try await curl("-i", "\(server.url)/drop")
      #expect(dropped.stdout.hasPrefix("HTTP/1.1 500 Internal Server Error"), "\(dropped.stdout)")
      _ = try await server.log.line(containing: "GET /drop", "dropped without an answer")
      #expect(try await curl("\(server.url)/fine").stdout == "fine")
    }
  }

  @Test func aSecondAnswerIsRefused() async throws {
    let second = Lock<(any Error)?>.make(nil)
    try await TestServer.with { request in
      try await request.reply(body: "first")
      do {
        try await request.reply(body: "second")
      } catch {
        second.withLock { $0 = error }
      }
    } _: { server in
      let answer = try await curl("\(server.url)/")
      #expect(answer.stdout == "first")
    }
    let refusal = second.withLock { $0 as? HTTPError }
    #expect(refusal == .alreadyAnswered)
  }

  @Test func aGracefulStopFinishesTheRequestInFlight() async throws {
    let (arrivals, arrived) = AsyncStream.makeStream(of: Void.self)
    let (releases, release) = AsyncStream.makeStream(of: Void.self)
    let log = LogCapture()
    var configuration = HTTPServer.Configuration()
    configuration.logger = log.logger()
    let server = try await HTTPServer.listen("http://127.0.0.1:0", configuration: configuration)
    let url = "http://127.0.0.1:\(server.address.port)/slow"
    async let served: Int = withTaskGroup(of: Int.self) { group in
      for await request in server.requests {
        group.addTask {
          // Probes that got in before the listener closed are answered at once (in tasks of
          // their own: the slow request holds its task until it is released).
          guard request.path == "/slow" else {
            try? await request.reply(body: "probe")
            return 0
          }
          arrived.yield()
          var waiting = releases.makeAsyncIterator()
          await waiting.next()
          try? await request.reply(body: "finished")
          return 1
        }
      }
      return await group.reduce(0, +)
    }
    async let inFlight = curl("-i", url)
    var arrivalsIterator = arrivals.makeAsyncIterator()
    await arrivalsIterator.next()
    async let stopped: Void = server.stop()
    // Once the listener is closed, new connections are refused.
    var refused = false
    for _ in 0..<300 where !refused {
      refused = try await curl(url.replacing("/slow", with: "/probe")).status == 7
    }
    #expect(refused, "curl's exit code 7: the connection was refused")
    release.yield()
    let answer = try await inFlight
    #expect(answer.stdout.hasPrefix("HTTP/1.1 200 OK"))
    #expect(answer.stdout.lowercased().contains("connection: close"))
    #expect(answer.stdout.hasSuffix("finished"))
    await stopped
    #expect(await served == 1, "the requests ended after the stop")
  }

  @Test func connectionsPastTheCapAreClosedAndLogged() async throws {
    var configuration = HTTPServer.Configuration()
    configuration.maxConnections = 1
    try await TestServer.with(configuration) { request in
      try await request.reply(body: "served")
    } _: { server in
      let first = try await RawConnection.connect(port: server.port)
      try await first.send("GET /a HTTP/1.1\r\nhost: x\r\n\r\n")
      #expect(try await first.readResponse().body == "served")
      let second = try await RawConnection.connect(port: server.port)
      #expect(try await second.readAll().isEmpty, "the second connection is closed at once")
      _ = try await server.log.line(containing: "refused 1 connection", "maxConnections")
      try await first.send("GET /b HTTP/1.1\r\nhost: x\r\n\r\n")
      #expect(try await first.readResponse().body == "served", "the first is still served")
      await first.close()
    }
  }

  @Test func httpsServesWithTheGivenCertificate() async throws {
    let certificate = try await SelfSignedCertificate.make()
    var configuration = HTTPServer.Configuration()
    configuration.tls = TLSOptions(
      certificate: .file(certificate.certificate), privateKey: .file(certificate.key))
    try await TestServer.with(configuration, scheme: "https") { request in
      try await request.reply(body: "secret \(request.path)")
    } _: { server in
      #expect(server.server.address.url.hasPrefix("https://127.0.0.1:"))
      let result = try await curl("--cacert", certificate.certificate, "https://127.0.0.1:\(server.port)/x")
      #expect(result.stdout == "secret /x", "\(result.stderr)")
    }
  }

  @Test func queryItemsAreDecoded() async throws {
    try await TestServer.with { request in
      #expect(request.query == "a=1&b=x%2Fy&c")
      #expect(request.queryItems.map(\.name) == ["a", "b", "c"])
      #expect(request.queryItems.map(\.value) == ["1", "x/y", ""])
      try await request.reply(body: "ok")
    } _: { server in
      let answer = try await curl("\(server.url)/p?a=1&b=x%2Fy&c")
      #expect(answer.stdout == "ok")
    }
  }
}

/// A file of `bytes` bytes in the temporary directory.
func temporaryFile(bytes: Int) throws -> String {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent(
    "starling-http-\(UUID().uuidString)"
  ).path
  try Data((0..<bytes).map { UInt8(truncatingIfNeeded: $0) }).write(to: URL(fileURLWithPath: path))
  return path
}
