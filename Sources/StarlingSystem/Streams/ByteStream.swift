import NIOCore

/// One bidirectional stream of bytes — a TCP, TLS or Unix socket connection, or a child
/// process's standard input, output or error — read a line, a number of bytes or up to a
/// delimiter at a time.
///
/// ```swift
/// let redis = try await ByteStream.connect("tcp://127.0.0.1:6379")
/// try await redis.write("PING\r\n")
/// let reply = try await redis.readLine()  // "+PONG"
/// ```
///
/// Reading takes bytes from the stream's buffer: a read the buffer can serve returns without
/// suspending. The stream reads from its connection only while its buffer has room (64 KiB, or
/// what a waiting read needs): a peer that writes faster than the stream is read is slowed down
/// by the connection itself. One read waits at a time; a second concurrent read throws
/// ``StreamError/readInProgress``. A cancelled read takes nothing from the stream.
///
/// A write returns once its bytes are handed to the system; while the peer does not read, it
/// waits. A cancelled write returns at once; its bytes are still sent, in order, when the peer
/// reads. Writes from several tasks go out whole, each after the other.
///
/// Dropping the last reference to a stream closes it.
public final class ByteStream: Sendable {
  /// The longest line ``readLine(maxLength:)`` and ``lines`` accept unless told otherwise:
  /// 1 MiB.
  public static let defaultMaxLineLength = 1 << 20

  let storage: ByteStreamStorage?
  private let refusal: String

  init(storage: ByteStreamStorage) {
    self.storage = storage
    self.refusal = ""
  }

  /// A stream that cannot be used, for `reason` (a child's stream that was not piped).
  init(unavailable reason: String) {
    self.storage = nil
    self.refusal = reason
  }

  deinit {
    storage?.close()
  }

  /// The local end's address, for a socket.
  public var localAddress: SocketAddress? { storage?.channel.localAddress }

  /// The peer's address, for a socket.
  public var remoteAddress: SocketAddress? { storage?.channel.remoteAddress }

  // MARK: Reading

  /// The bytes there are, at most `count` of them; waits only while there are none.
  ///
  /// - Returns: between 1 and `count` bytes, or `nil` at the end of the stream.
  /// - Throws: ``StreamError``, or the `SPError` that ended a TLS connection.
  public func read(upToCount count: Int) async throws -> ByteBuffer? {
    precondition(count >= 1, "read(upToCount:) needs a count of 1 or more, not \(count)")
    return try await readable().read(.upTo(count))
  }

  /// Exactly `count` bytes.
  ///
  /// - Throws: ``StreamError/unexpectedEnd(expected:received:)`` if the stream ends first (the
  ///   bytes that came stay in the stream).
  public func readExactly(_ count: Int) async throws -> ByteBuffer {
    precondition(count >= 0, "readExactly needs a count of 0 or more, not \(count)")
    guard count > 0 else { return ByteBuffer() }
    // With `endAllowed: false` the result is never `nil`.
    return try await readable().read(.exactly(count, endAllowed: false)) ?? ByteBuffer()
  }

  /// The next line, without its `\n` or `\r\n`. A last line without a line ending is returned
  /// at the end of the stream. Invalid UTF-8 is replaced.
  ///
  /// - Returns: the line, or `nil` at the end of the stream.
  /// - Throws: ``StreamError/lineTooLong(limit:)`` naming `maxLength` for a longer line (its
  ///   bytes stay in the stream).
  public func readLine(maxLength: Int = ByteStream.defaultMaxLineLength) async throws -> String? {
    try await readable().read(.delimited([10], maxLength: maxLength, line: true)).map { String(buffer: $0) }
  }

  /// The bytes before the next `delimiter` (which is read but not returned); at the end of the
  /// stream, what is left.
  ///
  /// - Returns: the bytes, or `nil` at the end of the stream.
  /// - Throws: ``StreamError/delimiterNotFound(limit:)`` when no delimiter comes within
  ///   `maxLength` bytes (they stay in the stream).
  public func read(until delimiter: [UInt8], maxLength: Int) async throws -> ByteBuffer? {
    precondition(!delimiter.isEmpty, "read(until:maxLength:) needs a delimiter")
    return try await readable().read(.delimited(delimiter, maxLength: maxLength, line: false))
  }

  /// The lines of the stream, as ``readLine(maxLength:)`` reads them; also a `select` case.
  public var lines: Lines { Lines(stream: self, maxLength: Self.defaultMaxLineLength) }

  /// The lines of the stream, none longer than `maxLength` bytes; also a `select` case.
  public func lines(maxLength: Int) -> Lines { Lines(stream: self, maxLength: maxLength) }

  /// Exactly `count` bytes, or `nil` if the stream ends cleanly before the first of them.
  func readExactlyOrEnd(_ count: Int) async throws -> ByteBuffer? {
    try await readable().read(.exactly(count, endAllowed: true))
  }

  // MARK: Writing

  /// Writes `bytes`; returns once they are handed to the system.
  ///
  /// - Throws: ``StreamError/peerClosed`` when the other end is gone,
  ///   ``StreamError/closed`` after ``close()`` or ``closeWrite()``.
  public func write(_ bytes: ByteBuffer) async throws {
    try await writable().write([bytes])
  }

  /// Writes `bytes`.
  public func write(_ bytes: [UInt8]) async throws {
    try await writable().write([ByteBuffer(bytes: bytes)])
  }

  /// Writes `text` as UTF-8.
  public func write(_ text: String) async throws {
    try await writable().write([ByteBuffer(string: text)])
  }

  /// Writes `buffers` in order, flushed together.
  func write(_ buffers: [ByteBuffer]) async throws {
    try await writable().write(buffers)
  }

  /// Closes the writing half: the peer reads to the end of the stream, and this side can still
  /// read (for a child's standard input: the child sees the end of its input).
  public func closeWrite() async throws {
    try await writable().closeWrite()
  }

  /// Closes the stream. A waiting read, and every read and write after, fails with
  /// ``StreamError/closed``.
  public func close() {
    storage?.close()
  }

  func readable() throws(StreamError) -> ByteStreamStorage {
    guard let storage else { throw .notReadable(refusal) }
    return storage
  }

  private func writable() throws(StreamError) -> ByteStreamStorage {
    guard let storage else { throw .notWritable(refusal) }
    return storage
  }
}
