import StarlingHTTP

extension ListeningSockets {
  /// An HTTP server (`input.http`, `input.websocket`) on the listening socket for `endpoint`:
  /// the one a previous pipeline let go (on a reload), or a new one (with `SO_REUSEPORT` under
  /// `--instances`). Release the lease once the server has stopped accepting.
  ///
  /// - Throws: ``ListenError`` naming the address and the cause.
  func httpServer(
    scheme: String, endpoint: NetworkEndpoint, configuration: HTTPServer.Configuration
  ) async throws -> (server: HTTPServer, lease: Lease) {
    let lease = try open(host: endpoint.host, port: endpoint.port)
    do {
      let server = try await HTTPServer.listen(
        "\(scheme)://\(endpoint)", adopting: lease.descriptor, configuration: configuration)
      return (server, lease)
    } catch {
      lease.release()
      throw ListenError(address: endpoint.description, error: error)
    }
  }
}
