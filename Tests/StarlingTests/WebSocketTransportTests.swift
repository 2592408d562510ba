import Foundation
import Testing

@testable import Starling

/// ws and wss: several sockets on one port, and each kind of bad WebSocket input (unknown
/// path, wrong subprotocol, text frame, over-size message), which fails only that connection.
/// Fragmented messages are reassembled.
@Suite(.timeLimit(.minutes(5))) struct WebSocketTransportTests {
  /// A rep socket listening on ws with a 1 KiB receive limit.
  func listeningRep(path: String = "/rep") async throws -> (Rep0, Address) {
    var options = SocketOptions()
    options.receiveMaxSize = 1024
    let rep = Rep0(options: options)
    return (rep, try await rep.listen("ws://127.0.0.1:0\(path)").address)
  }

  /// Sends a WebSocket upgrade request by hand and returns the response's status line.
  func upgrade(_ raw: RawPeer, path: String, subprotocol: String) async throws -> String {
    let request =
      "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
      + "Sec-WebSocket-Protocol: \(subprotocol)\r\n\r\n"
    try await raw.write(Array(request.utf8))
    let response = try await received(raw, containing: Array("\r\n\r\n".utf8))
    return String(decoding: response, as: UTF8.self).components(separatedBy: "\r\n")[0]
  }

  /// Waits until what `raw` received contains `needle`; returns everything received.
  func received(_ raw: RawPeer, containing needle: [UInt8]) async throws -> [UInt8] {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
      let bytes = try await raw.bytes(atLeast: needle.count)
      if bytes.count >= needle.count,
        (0...(bytes.count - needle.count)).contains(where: { Array(bytes[$0..<$0 + needle.count]) == needle })
      {
        return bytes
      }
      try await Task.sleep(for: .milliseconds(5))
    }
    throw PeerError("never received \(needle)")
  }

  /// A masked client frame.
  func frame(_ opcode: UInt8, fin: Bool = true, _ payload: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [(fin ? 0x80 : 0) | opcode]
    let count = payload.count
    if count < 126 {
      out.append(0x80 | UInt8(count))
    } else if count < 65536 {
      out += [0x80 | 126, UInt8(count >> 8), UInt8(count & 0xff)]
    } else {
      out.append(0x80 | 127)
      out += (0..<8).reversed().map { UInt8((count >> ($0 * 8)) & 0xff) }
    }
    let key: [UInt8] = [0x12, 0x34, 0x56, 0x78]
    return out + key + payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
  }

  /// A request as a rep receives it: request ID 0x80000001, then the body.
  func request(_ body: String) -> [UInt8] { [0x80, 0, 0, 1] + Array(body.utf8) }

  @Test func severalSocketsShareAPort() async throws {
    let (first, address) = try await listeningRep(path: "/first")
    defer { first.close() }
    let second = Rep0()
    defer { second.close() }
    let secondAddress = try await second.listen("ws://127.0.0.1:\(address.port)/second").address
    #expect(secondAddress.url == "ws://127.0.0.1:\(address.port)/second")
    let third = Rep0()
    defer { third.close() }
    await #expect(throws: SPError.self) {
      try await third.listen("ws://127.0.0.1:\(address.port)/first").address
    }

    for (rep, name) in [(first, "first"), (second, "second")] {
      let req = Req0()
      defer { req.close() }
      try await req.dial("ws://127.0.0.1:\(address.port)/\(name)")
      Task {
        let request = try await rep.nextRequest()
        try await request.reply(Message(string: "\(name):" + request.message.string))
      }
      #expect(try await req.request("hi").string == "\(name):hi")
    }
    // The port stays open while one socket still listens on it.
    first.close()
    let late = Req0()
    defer { late.close() }
    try await late.dial(secondAddress.url)
    Task {
      let request = try await second.nextRequest()
      try await request.reply(Message(string: "still:" + request.message.string))
    }
    #expect(try await late.request("there?").string == "still:there?")
  }

  @Test func unknownPathIsAnswered404() async throws {
    let (rep, address) = try await listeningRep()
    defer { rep.close() }
    let raw = try await RawPeer(connectingTo: address)
    #expect(
      try await upgrade(raw, path: "/nowhere", subprotocol: "rep.sp.nanomsg.org").hasPrefix("HTTP/1.1 404"))
    try await raw.closedByPeer()

    let req = Req0()
    defer { req.close() }
    let error = await #expect(throws: SPError.self) {
      try await req.dial("ws://127.0.0.1:\(address.port)/nowhere")
    }
    #expect("\(error!)".contains("no WebSocket listener at path '/nowhere'"))
    try await servesAWellBehavedPeer(rep, at: address)
  }

  @Test func wrongSubprotocolIsAnswered400() async throws {
    let (rep, address) = try await listeningRep()
    defer { rep.close() }
    let raw = try await RawPeer(connectingTo: address)
    #expect(try await upgrade(raw, path: "/rep", subprotocol: "pub.sp.nanomsg.org").hasPrefix("HTTP/1.1 400"))
    try await raw.closedByPeer()
    try await eventually("the refusal is recorded") { rep.statistics.lastPipeError != nil }
    #expect(lastError(rep).contains("pub.sp.nanomsg.org"))

    let sub = Sub0()
    defer { sub.close() }
    let error = await #expect(throws: SPError.self) { try await sub.dial(address.url) }
    #expect("\(error!)".contains("refused the WebSocket subprotocol 'pub.sp.nanomsg.org'"))
    try await servesAWellBehavedPeer(rep, at: address)
  }

  @Test func textFrameIsRefused() async throws {
    let (rep, address) = try await listeningRep()
    defer { rep.close() }
    let raw = try await RawPeer(connectingTo: address)
    #expect(try await upgrade(raw, path: "/rep", subprotocol: "rep.sp.nanomsg.org").hasPrefix("HTTP/1.1 101"))
    try await raw.write(frame(0x1, request("text")))
    try await raw.closedByPeer()
    try await eventually("the text frame is recorded") { rep.statistics.lastPipeError != nil }
    #expect(lastError(rep).contains("text frame"))
    try await servesAWellBehavedPeer(rep, at: address)
  }

  @Test func overSizeFrameIsRefused() async throws {
    let (rep, address) = try await listeningRep()
    defer { rep.close() }
    let raw = try await RawPeer(connectingTo: address)
    _ = try await upgrade(raw, path: "/rep", subprotocol: "rep.sp.nanomsg.org")
    try await raw.write(frame(0x2, request(String(repeating: "x", count: 2000))))
    try await raw.closedByPeer()
    try await eventually("the over-size frame is recorded") { rep.statistics.lastPipeError != nil }
    #expect(lastError(rep).contains("longer than the receive limit of 1024 bytes"))
    try await servesAWellBehavedPeer(rep, at: address)
  }

  @Test func overSizeFragmentedMessageIsRefused() async throws {
    let (rep, address) = try await listeningRep()
    defer { rep.close() }
    let raw = try await RawPeer(connectingTo: address)
    _ = try await upgrade(raw, path: "/rep", subprotocol: "rep.sp.nanomsg.org")
    let body = request(String(repeating: "x", count: 1196))
    try await raw.write(frame(0x2, fin: false, Array(body[..<600])) + frame(0x0, Array(body[600...])))
    try await raw.closedByPeer()
    try await eventually("the over-size message is recorded") { rep.statistics.lastPipeError != nil }
    #expect(rep.statistics.lastPipeError == .messageTooLarge(size: 1200, limit: 1024))
    try await servesAWellBehavedPeer(rep, at: address)
  }

  @Test func fragmentedMessageIsReassembled() async throws {
    let (rep, address) = try await listeningRep()
    defer { rep.close() }
    let raw = try await RawPeer(connectingTo: address)
    _ = try await upgrade(raw, path: "/rep", subprotocol: "rep.sp.nanomsg.org")
    let body = request("in three pieces")
    try await raw.write(
      frame(0x2, fin: false, Array(body[..<6])) + frame(0x9, Array("ping".utf8))
        + frame(0x0, fin: false, Array(body[6..<10])) + frame(0x0, Array(body[10...])))
    let request = try await rep.nextRequest()
    #expect(request.message.string == "in three pieces")
    try await request.reply(Message(string: "whole"))
    let bytes = try await received(raw, containing: [0x80, 0, 0, 1] + Array("whole".utf8))
    // The pong to the ping in the middle, then the reply as one unmasked binary frame.
    #expect(bytes.contains(0x8A))
    #expect(bytes.suffix(11) == [0x82, 9, 0x80, 0, 0, 1] + Array("whole".utf8))
  }

  @Test func wssBetweenStarlingSockets() async throws {
    let certificates = try await TestCertificates.make()
    var options = SocketOptions()
    options.tls = certificates.listener()
    let rep = Rep0(options: options)
    defer { rep.close() }
    let address = try await rep.listen("wss://127.0.0.1:0/secure").address
    options.tls = try certificates.dialer()
    let req = Req0(options: options)
    defer { req.close() }
    try await req.dial(address.url)
    Task {
      let request = try await rep.nextRequest()
      try await request.reply(Message(string: "re:" + request.message.string))
    }
    #expect(try await req.request("secret").string == "re:secret")

    let plain = Req0()
    defer { plain.close() }
    await #expect(throws: SPError.self) { try await plain.dial("ws://127.0.0.1:\(address.port)/secure") }
  }
}
