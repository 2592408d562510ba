import NIOCore
import NIOEmbedded

@testable import Starling

/// `sp-handshake`: a whole tcp or ipc connection as `StreamTransport` configures it (the SP
/// header exchange, the frame decoder, the pipe handler) with a recording socket behind it.
///
/// Input: one byte choosing the socket's protocol and ipc, one byte of options (bits 0–1:
/// the receive limit; bit 2: let the handshake timeout pass after the input), one byte of read
/// size, then what the peer sends. The pipe must attach exactly when the first 8 bytes are a
/// valid header for a peer of that protocol, then deliver exactly the frames that follow.
enum SPHandshakeFuzz {
  static let target = FuzzTarget(
    name: "sp-handshake", summary: "the SP header exchange, framing and pipe handler of a tcp/ipc connection",
    run: run)

  static let peerAddress = try! SocketAddress(ipAddress: "127.0.0.1", port: 1)
  static let tcp = try! Address("tcp://127.0.0.1:1")
  static let ipc = try! Address("ipc:///tmp/starling-fuzz")

  static func run(_ bytes: [UInt8]) {
    var input = FuzzInput(bytes)
    let choice = input.byte()
    let options = input.byte()
    let own = SPProtocol.all[Int(choice >> 1) % SPProtocol.all.count]
    let address = choice & 1 == 1 ? ipc : tcp
    var socketOptions = SocketOptions()
    socketOptions.receiveMaxSize = SPFrameReference.limit(options)
    let chunks = input.chunks(of: input.byte())
    let owner = RecordingPipeOwner(identity: own, receiveLimit: socketOptions.receiveMaxSize)
    let channel = EmbeddedChannel()
    try! StreamTransport.configure(
      channel, address: address, owner: owner, options: socketOptions, attached: nil)
    try! channel.connect(to: peerAddress).wait()
    for chunk in chunks where channel.isActive {
      try! channel.writeInbound(ByteBuffer(bytes: chunk))
    }
    if options & 4 != 0 { channel.embeddedEventLoop.advanceTime(by: .seconds(11)) }
    _ = try? channel.finish(acceptAlreadyClosed: true)

    let stream = chunks.flatMap { $0 }
    let header = stream.prefix(8)
    let magic: [UInt8] = [0, 0x53, 0x50, 0]
    let valid =
      header.count == 8 && Array(header.prefix(4)) == magic && header.suffix(2).allSatisfy { $0 == 0 }
      && UInt16(header[4]) << 8 | UInt16(header[5]) == own.peerNumber
    let record = owner.recorded
    require(record.attached == (valid ? 1 : 0), "attached \(record.attached) pipes; header valid: \(valid)")
    require(record.detached == record.attached, "a pipe was not detached when its connection closed")
    require(record.pipes.isEmpty, "a pipe still attached")
    if valid {
      let expected = SPFrameReference.frames(
        in: Array(stream.dropFirst(8)), ipc: address.transport == .ipc, maxSize: socketOptions.receiveMaxSize)
      require(record.messages == expected.frames, "the pipe's messages differ from the reference's frames")
      require(record.failures.isEmpty == expected.clean, "the pipe failed (or not) unlike the reference")
    } else {
      // A header known to be wrong, or none in time, is refused with a reason; a peer that
      // closes before sending a whole header has nothing wrong to report.
      let refused =
        header.count == 8 || Array(header.prefix(4)) != Array(magic.prefix(header.count)) || options & 4 != 0
      require(record.messages.isEmpty, "messages from a refused connection")
      require(
        record.failures.count == (refused ? 1 : 0),
        "a refused connection said why \(record.failures.count) times")
    }
  }
}
