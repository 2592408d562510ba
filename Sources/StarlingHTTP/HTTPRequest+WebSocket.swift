import NIOCore

extension HTTPRequest {
  /// Upgrades the request to a WebSocket connection: answers `101 Switching Protocols` and
  /// returns the connection, from the server's end.
  ///
  /// - Parameters:
  ///   - subprotocol: the subprotocol agreed on: one of ``webSocketSubprotocols`` (or `nil`
  ///     for none). Choose it from what the client offers, in the program's order of
  ///     preference.
  ///   - configuration: the connection's limits and keep-alive; by default the server's
  ///     ``HTTPServer/Configuration/webSocket``.
  /// - Throws: ``HTTPError/notAWebSocketUpgrade(reason:)`` (the request is answered 400),
  ///   ``HTTPError/alreadyAnswered``, ``HTTPError/connectionClosed``.
  public func upgradeToWebSocket(
    subprotocol: String? = nil, configuration: WebSocket.Configuration? = nil
  ) async throws -> WebSocket {
    try claimAnswer()
    let number = number
    if let subprotocol, !webSocketSubprotocols.contains(subprotocol) {
      let reason = "the client did not offer the subprotocol '\(subprotocol)'"
      connection.run { $0.refuseUpgrade(number, reason: reason) }
      throw HTTPError.notAWebSocketUpgrade(reason: reason)
    }
    return try await connection.submit {
      $0.upgrade(number, subprotocol: subprotocol, configuration: configuration)
    }
  }
}
