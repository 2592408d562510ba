/// A WebSocket client made of raw bytes, for frames no library sends: the upgrade by hand,
/// then frames built bit by bit.
enum RawWebSocket {
  /// Connects to `path` and upgrades (asking for `subprotocol` when given); the connection is
  /// at the first frame when this returns.
  static func open(port: Int, path: String = "/", subprotocol: String? = nil) async throws -> RawConnection {
    let connection = try await RawConnection.connect(port: port)
    var request =
      "GET \(path) HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: websocket\r\nconnection: upgrade\r\n"
      + "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n"
    if let subprotocol { request += "sec-websocket-protocol: \(subprotocol)\r\n" }
    try await connection.send(request + "\r\n")
    // Only the head: frames that came right behind it stay for the test to read.
    let head = try await connection.readResponse().head
    guard head.hasPrefix("HTTP/1.1 101"), head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") else {
      throw TestFailure("no upgrade: \(head)")
    }
    return connection
  }

  /// A frame: `opcode` with `payload`, masked with `mask` (as a client must) unless it is nil.
  static func frame(
    _ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, mask: [UInt8]? = [0x11, 0x22, 0x33, 0x44],
    reserved: UInt8 = 0
  ) -> [UInt8] {
    var bytes: [UInt8] = [(fin ? 0x80 : 0) | reserved << 4 | opcode]
    let maskBit: UInt8 = mask == nil ? 0 : 0x80
    switch payload.count {
    case 0..<126: bytes.append(maskBit | UInt8(payload.count))
    case 126..<65536: bytes += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
    default:
      bytes.append(maskBit | 127)
      bytes += (0..<8).reversed().map { UInt8(truncatingIfNeeded: payload.count >> ($0 * 8)) }
    }
    guard let mask else { return bytes + payload }
    return bytes + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
  }

  /// The first frame in what a server sent (its frames are unmasked): its opcode, its
  /// payload and how many bytes it took; `nil` while it has not arrived whole.
  static func firstFrame(in bytes: some Collection<UInt8>) -> (opcode: UInt8, payload: [UInt8], length: Int)?
  {
    let bytes = Array(bytes)
    guard bytes.count >= 2 else { return nil }
    var length = Int(bytes[1] & 0x7f)
    var start = 2
    if length == 126 {
      guard bytes.count >= 4 else { return nil }
      length = Int(bytes[2]) << 8 | Int(bytes[3])
      start = 4
    } else if length == 127 {
      guard bytes.count >= 10 else { return nil }
      length = bytes[2..<10].reduce(0) { $0 << 8 | Int($1) }
      start = 10
    }
    guard bytes.count >= start + length else { return nil }
    return (bytes[0] & 0x0f, Array(bytes[start..<start + length]), start + length)
  }

  /// Reads the next frame the server sends: its opcode and payload.
  static func nextFrame(on connection: RawConnection) async throws -> (opcode: UInt8, payload: [UInt8]) {
    let bytes = try await connection.read(prefix: { firstFrame(in: $0)?.length })
    let frame = firstFrame(in: bytes)!
    return (frame.opcode, frame.payload)
  }

  /// The code of the first close frame in what a server sent, if any.
  static func closeCode(in bytes: [UInt8]) -> UInt16? {
    var rest = bytes[...]
    while let frame = firstFrame(in: rest) {
      if frame.opcode == 0x8 {
        guard frame.payload.count >= 2 else { return nil }
        return UInt16(frame.payload[0]) << 8 | UInt16(frame.payload[1])
      }
      rest = rest.dropFirst(frame.length)
    }
    return nil
  }
}
