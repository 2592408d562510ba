import StarlingSystem

/// Two ends of one TCP connection on 127.0.0.1, both ``ByteStream``s.
func connectedPair() async throws -> (client: ByteStream, server: ByteStream, listener: StreamListener) {
  let listener = try await StreamListener.listen("tcp://127.0.0.1:0")
  async let accepted = listener.accept()
  let client = try await ByteStream.connect(listener.address.url)
  guard let server = try await accepted else { throw PeerError("the listener ended without a connection") }
  return (client, server, listener)
}

/// A unique Unix socket path for a test.
func uniqueSocketPath(_ name: String = #function) -> String {
  let clean = name.filter { $0.isLetter || $0.isNumber }.prefix(40)
  return "/tmp/starling-system-\(clean)-\(UInt32.random(in: 0...UInt32.max)).sock"
}
