import NIOCore

/// A Scalability Protocols message: a protocol header and a body.
///
/// Both parts are `ByteBuffer`s, so copying a message is cheap and the body a socket receives
/// is a slice of what came off the wire, not a copy. Most code only touches the body; the
/// header belongs to the protocol (request IDs, backtraces, hop counts) and is filled in and
/// stripped by the socket.
public struct Message: Sendable, Hashable {
  /// The protocol header. Empty for messages you make; sockets fill it in.
  public var header: ByteBuffer
  /// The payload.
  public var body: ByteBuffer
  /// The pipe a received message came on; for a send on a polyamorous `Pair1`, the pipe to
  /// send it on. `nil` for messages you make.
  public var pipe: PipeID?

  /// An empty message.
  public init() {
    self.header = ByteBuffer()
    self.body = ByteBuffer()
  }

  /// A message with this body (and header).
  public init(body: ByteBuffer, header: ByteBuffer = ByteBuffer()) {
    self.header = header
    self.body = body
  }

  /// A message whose body is these bytes.
  public init(_ bytes: some Sequence<UInt8>) {
    self.init(body: ByteBuffer(bytes: bytes))
  }

  /// A message whose body is the UTF-8 of this string.
  public init(string: some StringProtocol) {
    self.init(body: ByteBuffer(string: String(string)))
  }

  /// The body's bytes.
  public var bytes: [UInt8] {
    Array(body.readableBytesView)
  }

  /// The body decoded as UTF-8 (invalid sequences are repaired).
  public var string: String {
    String(decoding: body.readableBytesView, as: UTF8.self)
  }

  /// The size of header and body together, as on the wire.
  public var count: Int {
    header.readableBytes + body.readableBytes
  }

  /// The message as it goes over the wire: header and body as one body, and no pipe. A
  /// transport that hands messages over without framing them (as inproc does) delivers this
  /// form to ``PipeOwner/received(_:on:)``: the receiving socket reads its protocol header off
  /// the front of the body.
  public var wireForm: Message {
    guard header.readableBytes > 0 else { return Message(body: body) }
    var joined = header
    joined.writeImmutableBuffer(body)
    return Message(body: joined)
  }
}

extension Message: ExpressibleByStringLiteral {
  /// A message whose body is the UTF-8 of the literal.
  public init(stringLiteral value: String) {
    self.init(string: value)
  }
}

extension Message: CustomStringConvertible {
  /// The body as text when it is printable, otherwise as hex, with the header's size.
  public var description: String {
    let text = body.readableBytesView.allSatisfy { (0x20..<0x7f).contains($0) || $0 == 0x0a }
    let shown =
      text
      ? "\"\(string)\""
      : body.readableBytesView.prefix(64).map { String($0, radix: 16).leftPadded(to: 2) }.joined(
        separator: " ")
    return "Message(header: \(header.readableBytes) bytes, body: \(shown))"
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
