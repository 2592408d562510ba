import Foundation
import Testing

/// Errors in plain words, from the real binary: the address, the peer and the errno's name,
/// never a SwiftNIO type's description (`bind(descriptor:ptr:bytes:) … (errno: 98)`,
/// `SingleConnectionFailure(target: …)`, `IOError`).
@Suite(.timeLimit(.minutes(5)))
struct PlainErrorTests {
  /// What a SwiftNIO description looks like; none may reach the user.
  static let nioWords = [
    "errno:", "bind(descriptor", "IOError", "SingleConnectionFailure", "NIOConnectionError", "ChannelError",
  ]

  /// A socket of `type` bound to 127.0.0.1 (listening, for a stream socket), held for the test:
  /// its port and descriptor.
  static func occupiedPort(_ type: Int32) throws -> (port: Int, descriptor: Int32) {
    let fd = socket(AF_INET, type, 0)
    guard fd >= 0 else { throw ProcessError("socket() failed") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0, type != Int32(SOCK_STREAM.rawValue) || listen(fd, 1) == 0 else {
      close(fd)
      throw ProcessError("bind() failed")
    }
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return (Int(UInt16(bigEndian: address.sin_port)), fd)
  }

  @Test(arguments: ["input.tcp", "input.http", "input.udp"])
  func aPortInUseIsNamedWithItsAddressAndErrno(module: String) async throws {
    let datagram = module == "input.udp"
    let (port, descriptor) = try Self.occupiedPort(
      datagram ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue))
    defer { close(descriptor) }
    let config = """
      modules:
        server:
          module: \(module)
          arguments:
            listen: "127.0.0.1:\(port)"
        out:
          module: output.null
      routes:
        - server.outbox -> out.inbox
      """
    let outcome = try await Tools.starling(["run", try OpsPeer.config(config)]).finish()
    #expect(outcome.status == 1)
    #expect(
      outcome.stderrLines.last
        == "starling: module 'server' failed to start: cannot listen on 127.0.0.1:\(port): "
        + "the address is in use (EADDRINUSE): another program listens there", "\(outcome.stderr)")
    for word in Self.nioWords { #expect(!outcome.stderr.contains(word), "\(outcome.stderr)") }
  }

  @Test func aRefusedConnectionNamesThePeerAndErrno() async throws {
    let closed = try Tools.freePort()
    let config = """
      modules:
        gen:
          module: input.generator
          arguments:
            count: 1
        tcp:
          module: output.tcp
          arguments:
            address: "127.0.0.1:\(closed)"
            retries: 0
      routes:
        - gen.outbox -> tcp.inbox
      """
    let outcome = try await Tools.starling(["run", try OpsPeer.config(config)]).finish()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(
      outcome.stderrLines.contains {
        $0.contains(
          "tcp: an event failed: cannot connect to 127.0.0.1:\(closed): connection refused (ECONNREFUSED)")
      }, "\(outcome.stderr)")
    for word in Self.nioWords { #expect(!outcome.stderr.contains(word), "\(outcome.stderr)") }
  }

  @Test func aHostThatCannotBeResolvedIsNamed() async throws {
    let config = """
      modules:
        gen:
          module: input.generator
          arguments:
            count: 1
        post:
          module: output.http
          arguments:
            url: "http://no-such-host.invalid/x"
            retries: 0
      routes:
        - gen.outbox -> post.inbox
      """
    let outcome = try await Tools.starling(["run", try OpsPeer.config(config)]).finish()
    #expect(
      outcome.stderrLines.contains {
        $0.contains(
          "post: an event failed: cannot connect to http://no-such-host.invalid/x: the host 'no-such-host.invalid' cannot be resolved"
        )
      }, "\(outcome.stderr)")
    for word in Self.nioWords { #expect(!outcome.stderr.contains(word), "\(outcome.stderr)") }
  }
}
