import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import Starling
import StarlingHTTP
import StarlingPipeline

/// `starling run --http HOST:PORT` (or the config's `http:`): an HTTP server beside the
/// pipeline with `/metrics` (Prometheus), `/ping`, `/ready`, `/status` (JSON) and `/` (a
/// live status page). It asks `view` for the pipelines on each request, so it serves whatever
/// runs now: across a reload, the same server shows the new pipeline's numbers.
final class AdminServer: Sendable {
  /// The pipelines in force and why they are not ready (reasons; none when ready).
  typealias View = @Sendable () async -> (pipelines: [Pipeline], notReady: [String])

  private let server: HTTPServer
  private let view: View
  private let registry: PrometheusCollectorRegistry
  private let logger: Logger

  /// The address served, with the port chosen when 0 was asked for.
  var address: Address { server.address }

  private init(
    server: HTTPServer, view: @escaping View, registry: PrometheusCollectorRegistry, logger: Logger
  ) {
    self.server = server
    self.view = view
    self.registry = registry
    self.logger = logger
  }

  /// Listens at `address` (`HOST:PORT`) and logs `admin server listening on http://HOST:PORT`;
  /// ``serve()`` answers requests.
  ///
  /// - Throws: ``CommandFailure`` naming the address and the cause (`EADDRINUSE` for a port in
  ///   use).
  static func start(
    address: String, registry: PrometheusCollectorRegistry, logger: Logger, view: @escaping View
  ) async throws -> AdminServer {
    var configuration = HTTPServer.Configuration()
    configuration.logger = logger
    configuration.maxBodySize = 4096
    configuration.maxConnections = 64
    let server: HTTPServer
    do {
      server = try await HTTPServer.listen("http://\(address)", configuration: configuration)
    } catch SPError.addressInUse {
      throw CommandFailure(
        "the admin server cannot listen on \(address): the address is in use (EADDRINUSE); "
          + "choose another port with --http or the config's http.address")
    } catch {
      throw CommandFailure("the admin server cannot listen on \(address): \(error)")
    }
    let admin = AdminServer(server: server, view: view, registry: registry, logger: logger)
    logger.info("admin server listening on \(server.address.url)")
    return admin
  }

  /// Answers requests until ``stop()``.
  func serve() async {
    await withDiscardingTaskGroup { group in
      for await request in server.requests {
        group.addTask { await self.answer(request) }
      }
    }
  }

  /// Stops serving: requests in flight are answered first (for a second at most).
  func stop() async {
    await server.stop(gracePeriod: .seconds(1))
  }

  private func answer(_ request: HTTPRequest) async {
    let endpoint = AdminEndpoint(method: request.method, path: request.path)
    let (status, type, body) = await reply(to: endpoint)
    var headers: HTTPHeaders = ["content-type": type, "cache-control": "no-store"]
    if endpoint == .methodNotAllowed { headers.add(name: "allow", value: "GET, HEAD") }
    do {
      if request.method == .HEAD {
        // The head a GET would get, without its body.
        headers.add(name: "content-length", value: String(body.readableBytes))
        try await request.reply(status: status, headers: headers) { _ in }
      } else {
        try await request.reply(status: status, headers: headers, body: body)
      }
    } catch {
      logger.debug("admin server: \(request) was not answered: \(error)")
    }
  }

  /// The status, content type and body of an endpoint's answer.
  func reply(to endpoint: AdminEndpoint) async -> (HTTPResponseStatus, String, ByteBuffer) {
    let text = "text/plain; charset=utf-8"
    switch endpoint {
    case .ping:
      return (.ok, text, ByteBuffer(string: "pong\n"))
    case .ready:
      let reasons = await view().notReady
      if reasons.isEmpty { return (.ok, text, ByteBuffer(string: "ready\n")) }
      return (
        .serviceUnavailable, text, ByteBuffer(string: "not ready: " + reasons.joined(separator: "\n") + "\n")
      )
    case .status:
      let (pipelines, notReady) = await view()
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      let json =
        (try? encoder.encode(AdminStatus(pipelines: pipelines, notReady: notReady))) ?? Data("{}".utf8)
      return (.ok, "application/json", ByteBuffer(bytes: json))
    case .metrics:
      for pipeline in await view().pipelines { pipeline.publishMetrics() }
      return (.ok, "text/plain; version=0.0.4; charset=utf-8", ByteBuffer(bytes: registry.emitToBuffer()))
    case .page:
      return (.ok, "text/html; charset=utf-8", ByteBuffer(string: AdminPage.html))
    case .notFound:
      return (
        .notFound, text,
        ByteBuffer(string: "not found: the admin server serves /, /ping, /ready, /status and /metrics\n")
      )
    case .methodNotAllowed:
      return (.methodNotAllowed, text, ByteBuffer(string: "method not allowed: use GET or HEAD\n"))
    }
  }
}
