import Foundation
import NIOCore
import NIOPosix
import Testing

import struct StarlingChannels.Lock

@testable import Starling

/// A transport of the tests' own, registered at run time: `SCHEME://REST` is carried by the
/// transport of `inner` as `INNER://REST`, and its listeners report their addresses in
/// `SCHEME://`.
struct RelayTransport: Transport {
  let scheme: String
  let inner: String

  var schemes: [String] { [scheme] }

  private func innerTransport(
    for address: Address, context: TransportContext
  ) throws -> (any Transport, Address) {
    guard let transport = context.registry.transport(for: inner) else {
      throw SPError.unsupportedTransport(inner)
    }
    return (transport, try transport.address("\(inner)://\(address.path)"))
  }

  func dialer(
    for address: Address, socket: any PipeOwner, context: TransportContext
  ) throws -> any TransportDialer {
    let (transport, innerAddress) = try innerTransport(for: address, context: context)
    return try transport.dialer(for: innerAddress, socket: socket, context: context)
  }

  func listen(
    at address: Address, socket: any PipeOwner, context: TransportContext
  ) async throws
    -> any TransportListener
  {
    let (transport, innerAddress) = try innerTransport(for: address, context: context)
    let listener = try await transport.listen(at: innerAddress, socket: socket, context: context)
    let rest = listener.address.url.split(separator: "://", maxSplits: 1).last.map(String.init) ?? ""
    return RelayListener(address: try Address(custom: "\(scheme)://\(rest)"), inner: listener)
  }
}

/// A listener of ``RelayTransport``: the inner transport's, under the relay's address.
final class RelayListener: TransportListener {
  let address: Address
  private let inner: any TransportListener

  init(address: Address, inner: any TransportListener) {
    self.address = address
    self.inner = inner
  }

  func close() { inner.close() }
}

/// The transport interface: a transport registered at run time serves every protocol, the event
/// loop group is the registry's, and unknown schemes are refused.
@Suite(.timeLimit(.minutes(5))) struct TransportRegistryTests {
  /// Socket options whose registry has Starling's transports and two relays, over inproc and tcp.
  private static func relayOptions() -> SocketOptions {
    let registry = TransportRegistry()
    registry.register(RelayTransport(scheme: "relay+inproc", inner: "inproc"))
    registry.register(RelayTransport(scheme: "relay+tcp", inner: "tcp"))
    var options = SocketOptions()
    options.transports = registry
    return options
  }

  /// A fresh address to listen at, in `scheme`.
  private static func freshURL(_ scheme: String) -> String {
    scheme == "relay+tcp" ? "relay+tcp://127.0.0.1:0" : "\(scheme)://registry-\(UUID().uuidString)"
  }

  @Test(arguments: ["relay+inproc", "relay+tcp"])
  func aRegisteredTransportCarriesEveryProtocol(scheme: String) async throws {
    let options = Self.relayOptions()

    let pull = Pull0(options: options)
    let push = Push0(options: options)
    let pipeline = try await pull.listen(Self.freshURL(scheme)).address
    #expect(pipeline.scheme == scheme)
    try await push.dial(pipeline.url)
    try await push.send("work")
    #expect(try await pull.receive().string == "work")

    let rep = Rep0(options: options)
    let req = Req0(options: options)
    let service = try await rep.listen(Self.freshURL(scheme)).address
    try await req.dial(service.url)
    let server = Task {
      let request = try await rep.nextRequest()
      try await request.reply(Message(string: "re:" + request.message.string))
    }
    #expect(try await req.request("ping").string == "re:ping")
    try await server.value

    let bus = Bus0(options: options)
    let other = Bus0(options: options)
    let mesh = try await bus.listen(Self.freshURL(scheme)).address
    try await other.dial(mesh.url)
    try await other.send("hello")
    #expect(try await bus.receive().string == "hello")

    for socket in [pull, push, rep, req, bus, other] as [any Socket] { socket.close() }
  }

  @Test func aTransportRegisteredInTheStandardRegistryServesDefaultSockets() async throws {
    let scheme = "relay\(UInt32.random(in: 0...UInt32.max))"
    TransportRegistry.standard.register(RelayTransport(scheme: scheme, inner: "inproc"))
    defer { TransportRegistry.standard.unregister(scheme: scheme) }
    let pair = Pair0()
    let peer = Pair0()
    defer {
      pair.close()
      peer.close()
    }
    let address = try await pair.listen("\(scheme)://standard-\(UUID().uuidString)").address
    try await peer.dial(address.url)
    try await peer.send("over a transport of our own")
    #expect(try await pair.receive().string == "over a transport of our own")
  }

  @Test func unknownSchemesAreRefused() async throws {
    let push = Push0()
    defer { push.close() }
    await #expect(throws: SPError.unsupportedTransport("relay+tcp")) {
      try await push.dial("relay+tcp://127.0.0.1:1")
    }
    await #expect(throws: SPError.unsupportedTransport("relay+tcp")) {
      try await push.listen("relay+tcp://127.0.0.1:0")
    }
    await #expect(throws: SPError.unsupportedTransport("http")) {
      try await push.listen("http://127.0.0.1:0")
    }
    await #expect(
      throws: SPError.invalidAddress(
        "nothing", reason: "missing '://' after the transport (e.g. tcp://host:port)")
    ) {
      try await push.dial("nothing")
    }
  }

  @Test func nioTransportsRunOnTheRegistrysEventLoopGroup() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var options = SocketOptions()
    options.transports = TransportRegistry(eventLoopGroup: group)
    let pull = Pull0(options: options)
    let push = Push0(options: options)
    let address = try await pull.listen("tcp://127.0.0.1:0").address
    try await push.dial(address.url)
    try await eventually("the listener has its pipe") { pull.statistics.pipesOpen == 1 }
    let loop = group.next()
    for core in [
      pull.core.state.withLock { Array($0.pipes.values) },
      push.core.state.withLock { Array($0.pipes.values) },
    ] {
      let pipes = core.compactMap { $0 as? NIOPipe }
      #expect(pipes.count == 1)
      #expect(pipes.allSatisfy { $0.channel.eventLoop === loop })
    }
    push.close()
    pull.close()
    try await group.shutdownGracefully()
  }
}
