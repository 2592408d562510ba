import Testing

@testable import Starling

/// Checks that a real nng requester (with `environment`, such as TLS settings, for its peer
/// script) still gets answers from `rep` at `address`: the socket goes on serving after a bad
/// peer.
func servesAWellBehavedPeer(
  _ rep: Rep0, at address: Address, environment: [String: String] = [:]
) async throws {
  let peer = try NngPeer("Req0", "dial", address.url, count: 1, environment: environment)
  let request = try await rep.nextRequest()
  try await request.reply(Message(string: "re:" + request.message.string))
  #expect(try await peer.bodies("RECV", count: 1) == ["re:q0"])
  peer.finish()
}

/// The reason the socket's last pipe closed with an error, in words, or "none".
func lastError(_ socket: some Socket) -> String {
  socket.statistics.lastPipeError.map { "\($0)" } ?? "none"
}
