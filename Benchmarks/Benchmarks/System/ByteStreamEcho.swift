// The line echo on StarlingSystem's ByteStream, both sides.

import StarlingSystem

final class ByteStreamEcho: EchoFixture {
  private let listener: StreamListener
  private let client: ByteStream
  private let server: Task<Void, any Error>
  private let pipelined: Bool
  private let batch: ByteBuffer

  init(pipelined: Bool) async throws {
    self.pipelined = pipelined
    listener = try await StreamListener.listen("tcp://127.0.0.1:0")
    let listener = listener
    server = Task {
      guard let stream = try await listener.accept() else { return }
      for try await line in stream.lines {
        try await stream.write(line + "\n")
      }
    }
    client = try await ByteStream.connect(listener.address.url)
    batch = ByteBuffer(string: String(repeating: line, count: 1000))
  }

  func run(lines: Int) async throws {
    if pipelined {
      precondition(lines == 1000, "one batch is 1,000 lines")
      async let sent: Void = client.write(batch)
      for _ in 0..<lines {
        guard try await client.readLine() != nil else { throw EchoError.ended }
      }
      try await sent
    } else {
      for _ in 0..<lines {
        try await client.write(line)
        guard try await client.readLine() != nil else { throw EchoError.ended }
      }
    }
  }

  func stop() async throws {
    client.close()
    listener.close()
    _ = await server.result
  }
}

enum EchoError: Error {
  case ended
}
