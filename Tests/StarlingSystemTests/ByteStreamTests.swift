import NIOCore
import Testing

@testable import StarlingSystem

/// ByteStream over real TCP connections (both ends Starling): each kind of read, writes and
/// half-close, and every bad input with its typed error.
@Suite(.timeLimit(.minutes(5))) struct ByteStreamTests {
  @Test func readsLinesCountsAndDelimiters() async throws {
    let (client, server, listener) = try await connectedPair()
    defer { listener.close() }
    try await client.write("first\r\nsecond\nHEAD")
    try await client.write([0, 1, 2, 3])
    try await client.write("key=value;rest")
    #expect(try await server.readLine() == "first")
    #expect(try await server.readLine() == "second")
    #expect(String(buffer: try await server.readExactly(4)) == "HEAD")
    #expect(Array(buffer: try await server.readExactly(4)) == [0, 1, 2, 3])
    #expect(try await server.read(until: Array("=".utf8), maxLength: 10).map { String(buffer: $0) } == "key")
    #expect(
      try await server.read(until: Array(";".utf8), maxLength: 10).map { String(buffer: $0) } == "value")
    try await client.closeWrite()
    var rest = ""
    while let chunk = try await server.read(upToCount: 2) {
      #expect(chunk.readableBytes <= 2)
      rest += String(buffer: chunk)
    }
    #expect(rest == "rest")
    #expect(try await server.readLine() == nil, "the end stays the end")
  }

  @Test func linesEndWithTheStreamAndTheHalfClosedSideStillWrites() async throws {
    let (client, server, listener) = try await connectedPair()
    defer { listener.close() }
    try await client.write("a\nb\nc")
    try await client.closeWrite()
    var lines: [String] = []
    for try await line in server.lines { lines.append(line) }
    #expect(lines == ["a", "b", "c"])
    // The client closed only its writing half: the server can still answer.
    try await server.write("done\n")
    #expect(try await client.readLine() == "done")
  }

  @Test func aLargeTransferArrivesWholeThroughBackpressure() async throws {
    let (client, server, listener) = try await connectedPair()
    defer { listener.close() }
    let block = 65536
    let blocks = 128  // 8 MiB, each block's bytes its number
    let writer = Task {
      for number in 0..<blocks {
        try await client.write([UInt8](repeating: UInt8(truncatingIfNeeded: number), count: block))
      }
      try await client.closeWrite()
    }
    // Read in small pieces: the writer is held back by the connection, nothing is lost.
    var received = 0
    var intact = true
    while let chunk = try await server.read(upToCount: 1000) {
      chunk.withUnsafeReadableBytes { bytes in
        for (index, byte) in bytes.enumerated()
        where byte != UInt8(truncatingIfNeeded: (received + index) / block) {
          intact = false
        }
      }
      received += chunk.readableBytes
    }
    try await writer.value
    #expect(received == block * blocks)
    #expect(intact)
  }

  @Test func aLineOverTheLimitIsAnErrorNamingItAndItsBytesStay() async throws {
    let (client, server, listener) = try await connectedPair()
    defer { listener.close() }
    try await client.write(String(repeating: "x", count: 100) + "\nshort\n")
    await #expect(throws: StreamError.lineTooLong(limit: 10)) { try await server.readLine(maxLength: 10) }
    #expect(StreamError.lineTooLong(limit: 10).description.contains("10 bytes"))
    #expect(try await server.readLine(maxLength: 200) == String(repeating: "x", count: 100))
    #expect(try await server.readLine(maxLength: 10) == "short")
  }

  @Test func aStreamEndingMidReadExactlySaysHowMuchCame() async throws {
    let (client, server, listener) = try await connectedPair()
    defer { listener.close() }
    try await client.write("abc")
    try await client.closeWrite()
    await #expect(throws: StreamError.unexpectedEnd(expected: 10, received: 3)) {
      try await server.readExactly(10)
    }
    #expect(String(buffer: try await server.readExactly(3)) == "abc", "what came is still there")
  }

  @Test func aMissingDelimiterIsAnErrorNamingTheLimit() async throws {
    let (client, server, listener) = try await connectedPair()
    defer { listener.close() }
    try await client.write("no delimiter in here")
    await #expect(throws: StreamError.delimiterNotFound(limit: 5)) {
      try await server.read(until: [0], maxLength: 5)
    }
  }

  @Test func oneReaderAtATime() async throws {
    let (client, server, listener) = try await connectedPair()
    defer {
      client.close()  // kept open until here: the server's read must wait, not see the end
      listener.close()
    }
    let first = Task { try await server.readLine() }
    // Wait until the first read is the waiting one, then try a second.
    try await eventually { server.storage?.isReading ?? false }
    await #expect(throws: StreamError.readInProgress) { try await server.readLine() }
    first.cancel()
    await #expect(throws: CancellationError.self) { try await first.value }
  }

  @Test func aCancelledReadTakesNothing() async throws {
    let (client, server, listener) = try await connectedPair()
    defer { listener.close() }
    let waiting = Task { try await server.readExactly(6) }
    try await eventually { server.storage?.isReading ?? false }
    waiting.cancel()
    await #expect(throws: CancellationError.self) { try await waiting.value }
    try await client.write("intact")
    #expect(String(buffer: try await server.readExactly(6)) == "intact")
  }

  @Test func closingFailsTheWaitingReadAndLaterWrites() async throws {
    let (client, server, listener) = try await connectedPair()
    defer {
      client.close()  // kept open until here: the server's read must wait, not see the end
      listener.close()
    }
    let waiting = Task { try await server.readLine() }
    try await eventually { server.storage?.isReading ?? false }
    server.close()
    await #expect(throws: StreamError.closed) { try await waiting.value }
    await #expect(throws: StreamError.closed) { try await server.write("late") }
    await #expect(throws: StreamError.closed) { try await server.readLine() }
  }

  @Test func writingAfterThePeerClosedIsPeerClosed() async throws {
    let (client, server, listener) = try await connectedPair()
    defer { listener.close() }
    server.close()
    // TCP accepts the first writes into the kernel's buffer; the peer's reset fails a later one.
    let error = await #expect(throws: StreamError.self) {
      for _ in 0..<1000 { try await client.write([UInt8](repeating: 1, count: 4096)) }
    }
    #expect(error == .peerClosed)
  }

  @Test func anUnpipedStreamSaysWhy() async throws {
    let stream = ByteStream(unavailable: "not a pipe")
    await #expect(throws: StreamError.notReadable("not a pipe")) { try await stream.readLine() }
    await #expect(throws: StreamError.notWritable("not a pipe")) { try await stream.write("x") }
  }
}
