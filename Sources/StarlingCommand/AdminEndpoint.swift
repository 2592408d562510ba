import NIOHTTP1

/// What the admin server answers a request with, decided from its method and path alone.
enum AdminEndpoint: Equatable, Sendable {
  /// `/`: the live status page.
  case page
  /// `/ping`: 200 while the process runs.
  case ping
  /// `/ready`: 200 once every module has started and every dialing output has a peer.
  case ready
  /// `/status`: the numbers and the graph, as JSON.
  case status
  /// `/metrics`: Prometheus' text format.
  case metrics
  /// A path the server does not serve: 404.
  case notFound
  /// A method other than GET and HEAD on a path it serves: 405.
  case methodNotAllowed

  /// The endpoint for a request; a query string is ignored.
  init(method: HTTPMethod, path: Substring) {
    let endpoint: AdminEndpoint
    switch path {
    case "/", "/index.html": endpoint = .page
    case "/ping": endpoint = .ping
    case "/ready": endpoint = .ready
    case "/status": endpoint = .status
    case "/metrics": endpoint = .metrics
    default: endpoint = .notFound
    }
    if endpoint != .notFound, method != .GET, method != .HEAD {
      self = .methodNotAllowed
    } else {
      self = endpoint
    }
  }
}
