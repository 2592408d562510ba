import Foundation
import StarlingNetwork
import Testing

@testable import Starling

/// An ipc listener owns exactly the socket file it made: closing it never removes the file of a
/// listener bound at the same path since.
@Suite struct IPCListenerTests {
  @Test func closingRemovesOnlyTheFileThisListenerMade() throws {
    let address = try Address(uniqueIPCPath())
    let firstDescriptor = try UnixSocket.bind(address)
    defer { close(firstDescriptor) }
    let first = try #require(UnixSocketFile(path: address.path))
    // Another listener takes the path (the first one's file was removed as stale, say).
    unlink(address.path)
    let secondDescriptor = try UnixSocket.bind(address)
    let second = try #require(UnixSocketFile(path: address.path))
    defer {
      close(secondDescriptor)
      second.remove()
    }
    first.remove()
    #expect(FileManager.default.fileExists(atPath: address.path), "the second listener's file was removed")
    second.remove()
    #expect(!FileManager.default.fileExists(atPath: address.path))
  }

  @Test func aLiveListenerAtThePathIsAnAddressInUse() async throws {
    let path = uniqueIPCPath()
    let first = Rep0()
    defer { first.close() }
    try await first.listen(path)
    let second = Rep0()
    defer { second.close() }
    await #expect(throws: SPError.addressInUse(path)) { try await second.listen(path) }
  }

  /// The old listener's server socket closes later, on its event loop; before the listener made
  /// its own socket file, NIO then deleted the new listener's file (8-21 of 200 rounds lost).
  @Test func aListenerBoundRightAfterAnotherClosedStaysReachable() async throws {
    let path = uniqueIPCPath()
    for round in 0..<50 {
      let old = Rep0()
      try await old.listen(path)
      old.close()
      let new = Rep0()
      defer { new.close() }
      try await new.listen(path)
      let req = Req0()
      defer { req.close() }
      try await req.dial(path)
      try await req.send(Message(string: "round \(round)"))
      let request = try await new.receive()
      #expect(request.string == "round \(round)")
    }
  }
}
