import Foundation
import StarlingHTTP
import Testing

/// Handing a listening socket from one server to the next (`listen(_:adopting:)`,
/// `stopAccepting()`), closing a request's connection unanswered, and a body read cut short
/// by cancellation.
@Suite(.timeLimit(.minutes(5))) struct HTTPServerHandoverTests {
  /// A TCP socket bound to 127.0.0.1 on a free port and listening: its descriptor and port.
  static func listeningSocket() throws -> (descriptor: CInt, port: Int) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw TestFailure("socket() failed") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
    }
    guard bound == 0, listen(descriptor, 16) == 0 else {
      close(descriptor)
      throw TestFailure("bind() or listen() failed")
    }
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
  }

  /// Answers every request of `server` with `text` until the server's requests end.
  static func answer(_ server: HTTPServer, with text: String) -> Task<Void, Never> {
    Task {
      for await request in server.requests { try? await request.reply(body: text) }
    }
  }

  /// A client connecting while neither server accepts waits in the socket's backlog, and the
  /// server that adopts the socket next answers it: nobody is refused in between.
  @Test func aListeningSocketIsHandedFromOneServerToTheNext() async throws {
    let (socket, port) = try Self.listeningSocket()
    defer { close(socket) }
    let first = try await HTTPServer.listen("http://127.0.0.1:0", adopting: dup(socket))
    #expect(first.address.port == port)
    let firstAnswers = Self.answer(first, with: "first")
    #expect(try await curl("http://127.0.0.1:\(port)/").stdout == "first")

    await first.stopAccepting()
    let waiting = try await RawConnection.connect(port: port)
    try await waiting.send("GET /late HTTP/1.1\r\nhost: x\r\n\r\n")
    let second = try await HTTPServer.listen("http://127.0.0.1:0", adopting: dup(socket))
    let secondAnswers = Self.answer(second, with: "second")
    #expect(try await waiting.readResponse().body == "second")

    await waiting.close()
    first.close()
    second.close()
    await firstAnswers.value
    await secondAnswers.value
  }

  @Test func closeConnectionEndsTheConnectionWithoutAnAnswer() async throws {
    try await TestServer.with { request in
      if request.path == "/leave" {
        request.closeConnection()
        // Closed, not answered: a reply now is refused.
        await #expect(throws: HTTPError.alreadyAnswered) { try await request.reply(body: "late") }
      } else {
        try await request.reply(body: "fine")
      }
    } _: { server in
      let client = try await RawConnection.connect(port: server.port)
      try await client.send("GET /leave HTTP/1.1\r\nhost: x\r\n\r\n")
      #expect(try await client.readAll().isEmpty)
      #expect(try await curl("\(server.url)/fine").stdout == "fine")
    }
  }

  /// A task reading a body that is cancelled while the body is still arriving gets
  /// `CancellationError`, never the part that arrived as if it were the whole body.
  @Test func aBodyReadCancelledMidwayThrowsCancellation() async throws {
    let (proceed, go) = AsyncStream.makeStream(of: Void.self)
    let (outcomes, outcome) = AsyncStream.makeStream(of: String.self)
    try await TestServer.with { request in
      let reading = Task { try await request.body() }
      var waiting = proceed.makeAsyncIterator()
      await waiting.next()
      reading.cancel()
      switch await reading.result {
      case .success(let body): outcome.yield("read \(body.readableBytes) bytes")
      case .failure(let error): outcome.yield(error is CancellationError ? "cancelled" : "\(error)")
      }
      try await request.reply(body: "done")
    } _: { server in
      let client = try await RawConnection.connect(port: server.port)
      try await client.send(
        "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\nexpect: 100-continue\r\n\r\n")
      // The body is asked for: the server sends 100 Continue.
      try await client.read(until: { $0.text.contains("\r\n\r\n") })
      try await client.send("abc")
      go.yield()
      var results = outcomes.makeAsyncIterator()
      #expect(await results.next() == "cancelled")
      await client.close()
    }
  }
}
