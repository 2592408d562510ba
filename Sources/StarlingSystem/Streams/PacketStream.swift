import NIOCore

/// Whole messages over a ``ByteStream``, each sent as a big-endian length and then its bytes.
///
/// ```swift
/// let packets = PacketStream(try await ByteStream.connect("tcp://127.0.0.1:9000"))
/// try await packets.send(ByteBuffer(string: "hello"))
/// let reply = try await packets.receive()
/// ```
///
/// A packet whose length is over `maxSize` is refused: sending it throws, and receiving its
/// length closes the stream (what follows cannot be framed) and throws
/// ``StreamError/packetTooLarge(size:limit:)``. The stream ending inside a packet throws
/// ``StreamError/unexpectedEnd(expected:received:)``; ending between packets ends
/// ``receive()`` with `nil`.
public struct PacketStream: Sendable {
  /// The size of a packet's length prefix.
  public enum LengthPrefix: Sendable, Hashable {
    /// 4 bytes, big-endian: packets up to 4 GiB.
    case uint32
    /// 8 bytes, big-endian.
    case uint64

    var size: Int { self == .uint32 ? 4 : 8 }
  }

  /// The stream the packets travel on.
  public let stream: ByteStream
  /// The size of each packet's length prefix.
  public let prefix: LengthPrefix
  /// The largest packet sent or received, in bytes.
  public let maxSize: Int

  /// Packets over `stream`, with a `prefix`-sized length before each, none larger than
  /// `maxSize` bytes (16 MiB unless told otherwise).
  public init(_ stream: ByteStream, prefix: LengthPrefix = .uint32, maxSize: Int = 16 << 20) {
    self.stream = stream
    self.prefix = prefix
    self.maxSize = maxSize
  }

  /// Sends one packet.
  ///
  /// - Throws: ``StreamError/packetTooLarge(size:limit:)`` (nothing is sent), or what writing
  ///   the stream throws.
  public func send(_ packet: ByteBuffer) async throws {
    let size = packet.readableBytes
    guard size <= maxSize, prefix == .uint64 || size <= UInt32.max else {
      throw StreamError.packetTooLarge(size: UInt64(size), limit: maxSize)
    }
    var header = ByteBuffer()
    switch prefix {
    case .uint32: header.writeInteger(UInt32(size))
    case .uint64: header.writeInteger(UInt64(size))
    }
    try await stream.write([header, packet])
  }

  /// Sends `bytes` as one packet.
  public func send(_ bytes: [UInt8]) async throws {
    try await send(ByteBuffer(bytes: bytes))
  }

  /// The next packet, or `nil` if the stream ended cleanly between packets.
  ///
  /// - Throws: ``StreamError/packetTooLarge(size:limit:)`` (the stream is closed),
  ///   ``StreamError/unexpectedEnd(expected:received:)``, or what reading the stream throws.
  public func receive() async throws -> ByteBuffer? {
    guard var header = try await stream.readExactlyOrEnd(prefix.size) else { return nil }
    let size: UInt64 =
      switch prefix {
      case .uint32: UInt64(header.readInteger(as: UInt32.self) ?? 0)
      case .uint64: header.readInteger(as: UInt64.self) ?? 0
      }
    guard size <= UInt64(maxSize) else {
      stream.close()
      throw StreamError.packetTooLarge(size: size, limit: maxSize)
    }
    return try await stream.readExactly(Int(size))
  }

  /// The packets, as ``receive()`` reads them.
  public var packets: Packets { Packets { try await self.receive() } }

  /// The packets of a ``PacketStream``, as an `AsyncSequence`; ends when the stream ends
  /// between packets.
  public typealias Packets = ReceiveSequence<ByteBuffer>
}
