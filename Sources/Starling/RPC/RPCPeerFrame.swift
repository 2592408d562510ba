/// How an ``RPCPeer``'s requests and replies sit in the bodies of pair1 messages: a kind byte
/// and a call ID before the ``RPCEnvelope`` request or reply (see <doc:RPC>).
///
///     u8 kind (0 request, 1 reply) | u32 call ID (big endian) | request or reply body
///
/// A reply carries the ID of the request it answers; IDs are the caller's to choose.
struct RPCPeerFrame {
  /// Whether a frame asks or answers.
  enum Kind: UInt8 {
    /// A call: the envelope's request body follows.
    case request = 0
    /// An answer: the envelope's reply body follows.
    case reply = 1
  }

  /// The bytes before the envelope.
  static let headLength = 5

  /// Whether it asks or answers.
  var kind: Kind
  /// The call it belongs to.
  var id: UInt32
  /// The envelope's request or reply body.
  var body: ByteBuffer

  /// Writes a frame's head to `buffer`; the envelope body follows.
  static func writeHead(_ kind: Kind, id: UInt32, into buffer: inout ByteBuffer) {
    buffer.writeInteger(kind.rawValue)
    buffer.writeInteger(id)
  }

  /// Reads a message body as a frame.
  ///
  /// - Throws: ``Malformed`` saying what is wrong.
  init(reading message: ByteBuffer) throws(Malformed) {
    var message = message
    let size = message.readableBytes
    guard let byte = message.readInteger(as: UInt8.self), let id = message.readInteger(as: UInt32.self) else {
      throw Malformed(
        "\(size) bytes are too few: a frame starts with a kind byte and a 4-byte call ID")
    }
    guard let kind = Kind(rawValue: byte) else {
      throw Malformed("unknown kind \(byte) (0 is a request, 1 a reply)")
    }
    self.kind = kind
    self.id = id
    self.body = message
  }

  /// A message that is not a frame; the value says why.
  struct Malformed: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
  }
}
