import Testing

@testable import StarlingSystem

/// DNS through the system's resolver, on the thread pool.
@Suite(.timeLimit(.minutes(5))) struct DNSTests {
  @Test func localhostIsLoopback() async throws {
    let addresses = try await DNS.resolve("localhost")
    #expect(addresses.contains { $0.ipAddress == "127.0.0.1" })
    #expect(addresses.allSatisfy { $0.ipAddress == "127.0.0.1" || $0.ipAddress == "::1" })
  }

  @Test func anIPv6AddressIsItself() async throws {
    #expect(try await DNS.resolve("::1").map(\.ipAddress) == ["::1"])
    #expect(try await DNS.resolve("[::1]").map(\.ipAddress) == ["::1"])
    #expect(try await DNS.resolve("127.0.0.1").map(\.ipAddress) == ["127.0.0.1"])
  }

  @Test func aNameThatDoesNotExistIsNotFound() async throws {
    await #expect(throws: DNSError.notFound("")) { try await DNS.resolve("") }
    let error = await #expect(throws: DNSError.self) { try await DNS.resolve("no-such-host.invalid") }
    // Without a reachable name server the resolver cannot tell "no such name" from "no answer".
    #expect(error == .notFound("no-such-host.invalid") || error == .temporaryFailure("no-such-host.invalid"))
  }
}
