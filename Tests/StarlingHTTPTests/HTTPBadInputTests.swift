import Foundation
import StarlingHTTP
import Testing

/// What a hostile or broken client sends gets its status (or a silent close), a log line
/// naming the cause, and the server goes on serving: each test ends with a good request
/// answered by the same server.
@Suite(.timeLimit(.minutes(5))) struct HTTPBadInputTests {
  static func answer(_ request: HTTPRequest) async throws {
    let body = try await request.body()
    try await request.reply(body: "ok \(body.readableBytes)")
  }

  /// A well-behaved request, answered.
  static func stillServes(_ server: TestServer) async throws {
    let result = try await curl("\(server.url)/good")
    #expect(result.stdout == "ok 0", "the server still serves others: \(result)")
  }

  /// What the server answers to `bytes` sent on a connection of their own.
  static func response(to bytes: String, port: Int) async throws -> String {
    let connection = try await RawConnection.connect(port: port)
    try await connection.send(bytes)
    return try await connection.readAll().text
  }

  @Test func aMalformedRequestLineGets400() async throws {
    try await TestServer.with(handle: Self.answer) { server in
      let answer = try await Self.response(to: "THIS IS NOT HTTP\r\n\r\n", port: server.port)
      #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request"), "\(answer)")
      _ = try await server.log.line(containing: "refused a bad request")
      try await Self.stillServes(server)
    }
  }

  @Test func aMalformedHeaderGets400() async throws {
    try await TestServer.with(handle: Self.answer) { server in
      let answer = try await Self.response(to: "GET / HTTP/1.1\r\nno colon here\r\n\r\n", port: server.port)
      #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request"), "\(answer)")
      _ = try await server.log.line(containing: "refused a bad request")
      try await Self.stillServes(server)
    }
  }

  @Test func aHugeHeaderGets431() async throws {
    var configuration = HTTPServer.Configuration()
    configuration.maxHeaderSize = 2048
    try await TestServer.with(configuration, handle: Self.answer) { server in
      let huge = String(repeating: "a", count: 8192)
      let answer = try await Self.response(to: "GET / HTTP/1.1\r\nx-huge: \(huge)\r\n\r\n", port: server.port)
      #expect(answer.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large"), "\(answer)")
      _ = try await server.log.line(containing: "exceeds maxHeaderSize (2048 bytes)")
      try await Self.stillServes(server)
    }
  }

  /// 413 comes back as soon as the head declares too much: the body is never sent here.
  @Test func aDeclaredBodyOverTheLimitGets413BeforeItIsSent() async throws {
    var configuration = HTTPServer.Configuration()
    configuration.maxBodySize = 1000
    try await TestServer.with(configuration, handle: Self.answer) { server in
      let answer = try await Self.response(
        to: "POST /big HTTP/1.1\r\nhost: x\r\ncontent-length: 5000\r\n\r\n", port: server.port)
      #expect(answer.hasPrefix("HTTP/1.1 413 Payload Too Large"), "\(answer)")
      #expect(answer.lowercased().contains("connection: close"))
      _ = try await server.log.line(
        containing: "POST /big", "body exceeds maxBodySize (1000 bytes): 5000 bytes declared")
      try await Self.stillServes(server)
    }
  }

  @Test func aChunkedBodyGets413AsSoonAsItPassesTheLimit() async throws {
    var configuration = HTTPServer.Configuration()
    configuration.maxBodySize = 1000
    try await TestServer.with(configuration, handle: Self.answer) { server in
      let connection = try await RawConnection.connect(port: server.port)
      let chunk = String(repeating: "x", count: 600)
      try await connection.send(
        "POST /chunked HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n258\r\n\(chunk)\r\n258\r\n\(chunk)\r\n"
      )
      // The rest of the body (and its end) is never sent.
      let answer = try await connection.readAll().text
      #expect(answer.hasPrefix("HTTP/1.1 413 Payload Too Large"), "\(answer)")
      _ = try await server.log.line(containing: "POST /chunked", "the body so far is larger")
      try await Self.stillServes(server)
    }
  }

  @Test func aBodyPastTheProgramsLimitGets413() async throws {
    let failure = AsyncStream.makeStream(of: String.self)
    try await TestServer.with { request in
      guard request.path == "/small" else { return try await Self.answer(request) }
      do {
        _ = try await request.body(upTo: 10)
      } catch {
        failure.continuation.yield("\(error)")
      }
    } _: { server in
      let answer = try await Self.response(
        to: "POST /small HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n"
          + String(repeating: "x", count: 100),
        port: server.port)
      #expect(answer.hasPrefix("HTTP/1.1 413 Payload Too Large"), "\(answer)")
      var failures = failure.stream.makeAsyncIterator()
      #expect(await failures.next() == HTTPError.bodyTooLarge(limit: 10).description)
      _ = try await server.log.line(containing: "POST /small", "body exceeds the program's limit (10 bytes)")
      try await Self.stillServes(server)
    }
  }

  /// A byte a second keeps no client alive: the head timeout bounds the whole head.
  @Test func aClientSendingAByteAtATimeGets408() async throws {
    var configuration = HTTPServer.Configuration()
    configuration.headTimeout = .seconds(1)
    try await TestServer.with(configuration, handle: Self.answer) { server in
      let connection = try await RawConnection.connect(port: server.port)
      try await connection.send("GET /slow HTTP/1.1\r\n")
      let trickle = Task {
        // Never finishes the head; stops when the server closes the connection.
        while !Task.isCancelled {
          try await connection.send("x")
          try await Task.sleep(for: .milliseconds(100))
        }
      }
      let answer = try await connection.readAll().text
      trickle.cancel()
      #expect(answer.hasPrefix("HTTP/1.1 408 Request Timeout"), "\(answer)")
      _ = try await server.log.line(containing: "no whole request head within headTimeout (1s)")
      try await Self.stillServes(server)
    }
  }

  @Test func aBodyThatStopsComingGets408() async throws {
    var configuration = HTTPServer.Configuration()
    configuration.bodyTimeout = .seconds(1)
    try await TestServer.with(configuration, handle: Self.answer) { server in
      let answer = try await Self.response(
        to: "POST /stalled HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nonly this", port: server.port)
      #expect(answer.hasPrefix("HTTP/1.1 408 Request Timeout"), "\(answer)")
      _ = try await server.log.line(containing: "no whole request body within bodyTimeout (1s)")
      try await Self.stillServes(server)
    }
  }

  @Test func anIdleConnectionIsClosedWithoutAWord() async throws {
    var configuration = HTTPServer.Configuration()
    configuration.idleTimeout = .seconds(1)
    try await TestServer.with(configuration, handle: Self.answer) { server in
      let connection = try await RawConnection.connect(port: server.port)
      #expect(try await connection.readAll().isEmpty)
      _ = try await server.log.line(containing: "no request begun within idleTimeout (1s)")
      try await Self.stillServes(server)
    }
  }

  @Test func aClientThatDisappearsMidBodyIsLogged() async throws {
    let failure = AsyncStream.makeStream(of: String.self)
    try await TestServer.with { request in
      guard request.path == "/upload" else { return try await Self.answer(request) }
      failure.continuation.yield("arrived")
      do {
        _ = try await request.body()
      } catch {
        failure.continuation.yield("\(error)")
      }
    } _: { server in
      let connection = try await RawConnection.connect(port: server.port)
      // Past 16 KiB of body, the request is handed over before its body is whole.
      try await connection.send(
        "POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 30000\r\n\r\n"
          + String(repeating: "b", count: 20000))
      var failures = failure.stream.makeAsyncIterator()
      #expect(await failures.next() == "arrived")
      await connection.close()
      #expect(await failures.next() == HTTPError.connectionClosed.description)
      _ = try await server.log.line(containing: "closed in the middle of POST /upload", "after 20000 bytes")
      try await Self.stillServes(server)
    }
  }
}
