import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import StarlingNetwork

/// `output.http`: POSTs each event to a URL, on async-http-client.
actor HTTPOutput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "output.http",
    summary: "POSTs each event (or one part of it) to an HTTP or HTTPS URL.",
    discussion: """
      Sends the part of each event that `selection` names as the body of a POST to `url` \
      (`http://` or `https://`). A string goes as `text/plain; charset=utf-8`, bytes as \
      `application/octet-stream`, anything else as JSON (`application/json`); `content_type` \
      overrides the type. `headers` adds request headers. Connections are pooled and kept \
      alive; `max_in_flight` requests go at once (1, the default, sends the events one after \
      the other, in order; more sends them side by side, each completing to `success` or \
      `failure` when its answer comes). An answer that is not 2xx, a server that cannot be \
      reached, or no answer within `timeout` (connecting within `connect_timeout`) is tried \
      again `retries` times, waiting `backoff_min` doubling up to `backoff_max` between \
      tries; then the event fails and goes to `failure` with the reason. A 4xx answer other \
      than 408 and 429 fails at once: sending the same request again would not help. For \
      https, `tls_ca` names the authorities trusted to sign the server's certificate (default: \
      the system's), `tls_cert` and `tls_key` a client certificate, and `tls_insecure` turns \
      verification off.
      """,
    arguments: [
      .required("url", .string, "Where to POST: http[s]://host[:port]/path."),
      ArgumentSpec("selection", .string, default: "data", "The part of the event to send."),
      ArgumentSpec("content_type", .string, "The content type to send instead of the one the data implies."),
      ArgumentSpec("headers", .map, default: .object([:]), "Extra request headers."),
      ArgumentSpec(
        "timeout", .duration, default: 10, in: 0.001...86400,
        "How long a request may take, connecting included."),
      ArgumentSpec(
        "connect_timeout", .duration, default: 5, in: 0.001...86400, "How long connecting may take."),
      ArgumentSpec(
        "max_in_flight", .int, default: 1, in: 1...1024,
        "How many requests go at once (over as many pooled connections)."),
      ArgumentSpec(
        "tls_ca", .string, "PEM file of the authorities trusted to sign the server's certificate."),
      ArgumentSpec("tls_cert", .string, "PEM file of a client certificate, for servers that ask for one."),
      ArgumentSpec("tls_key", .string, "PEM file of the private key of `tls_cert`."),
      ArgumentSpec("tls_insecure", .bool, default: false, "Do not verify the server's certificate."),
    ] + RetryPolicy.arguments,
    outputs: [],
    completesEvents: true,
    example: """
      webhook:
        module: output.http
        arguments:
          url: "https://hooks.example.com/events"
          timeout: 5s
          max_in_flight: 8
          retries: 5
      """)

  let context: ModuleContext
  let url: String
  let selection: String
  let contentType: String?
  let headers: [(String, String)]
  let timeout: Duration
  let connectTimeout: Duration
  let maxInFlight: Int
  let retry: RetryPolicy
  let isHTTPS: Bool
  let tlsFiles: [(argument: String, path: String)]
  let tlsInsecure: Bool
  private var client: HTTPClient?
  /// The requests in flight (with `max_in_flight` above 1), by number.
  private var inFlight: [Int: Task<Void, Never>] = [:]
  private var nextRequest = 0
  /// Who waits for a request to finish, to send one more.
  private var slotWaiters: [CheckedContinuation<Void, Never>] = []

  init(context: ModuleContext) throws {
    self.context = context
    let arguments = context.arguments
    url = arguments.string("url") ?? ""
    guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
      let host = components.host, !host.isEmpty
    else {
      throw PipelineError.invalidArgument("url '\(url)' is not a URL like http://host:port/path")
    }
    guard scheme == "http" || scheme == "https" else {
      throw PipelineError.invalidArgument(
        "url '\(url)': only http:// and https:// are supported, not \(scheme)://")
    }
    isHTTPS = scheme == "https"
    selection = arguments.string("selection") ?? "data"
    guard Event.isReadable(selection) else {
      throw PipelineError.invalidArgument(
        "selection '\(selection)' is not a path under data, header, id, timestamp, ttl or error")
    }
    contentType = arguments.string("content_type")
    headers = (arguments.map("headers") ?? [:]).sorted { $0.key < $1.key }.map {
      ($0.key, $0.value.stringValue ?? $0.value.description)
    }
    timeout = arguments.duration("timeout") ?? .seconds(10)
    connectTimeout = arguments.duration("connect_timeout") ?? .seconds(5)
    maxInFlight = arguments.int("max_in_flight") ?? 1
    retry = try RetryPolicy(arguments)
    tlsFiles = ["tls_ca", "tls_cert", "tls_key"].compactMap { name in
      arguments.string(name).map { (name, $0) }
    }
    tlsInsecure = arguments.bool("tls_insecure") ?? false
    if (arguments.string("tls_cert") == nil) != (arguments.string("tls_key") == nil) {
      throw PipelineError.invalidArgument("`tls_cert` and `tls_key` go together: give both or neither")
    }
    if !isHTTPS, let (argument, _) = tlsFiles.first {
      throw PipelineError.invalidArgument("`\(argument)` is for https:// URLs, and url is http://")
    }
  }

  func willStart() async throws {
    var pool = HTTPClient.Configuration.ConnectionPool(
      idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxInFlight)
    // A refused connection fails the try at once; the retry policy decides what comes next.
    pool.retryConnectionEstablishment = false
    var configuration = HTTPClient.Configuration(
      tlsConfiguration: try tlsConfiguration(),
      timeout: .init(connect: TimeAmount(connectTimeout), read: TimeAmount(timeout)), connectionPool: pool)
    configuration.httpVersion = .automatic
    client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    context.onStopNow { [weak self] in
      Task { await self?.cancelInFlight() }
    }
  }

  /// The TLS settings for https, once the files are checked.
  private func tlsConfiguration() throws -> TLSConfiguration? {
    guard isHTTPS else { return nil }
    for (argument, path) in tlsFiles where !FileManager.default.isReadableFile(atPath: path) {
      let reason =
        FileManager.default.fileExists(atPath: path) ? "cannot be read (permission denied)" : "does not exist"
      throw PipelineError.invalidArgument("`\(argument)` file '\(path)' \(reason)")
    }
    var tls = TLSConfiguration.makeClientConfiguration()
    let arguments = context.arguments
    do {
      if let ca = arguments.string("tls_ca") {
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
      }
      if let certificate = arguments.string("tls_cert"), let key = arguments.string("tls_key") {
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
      }
    } catch {
      throw PipelineError.invalidArgument("cannot load the TLS certificate, key or authorities: \(error)")
    }
    if tlsInsecure { tls.certificateVerification = .none }
    return tls
  }

  func consume(_ event: Event, from queue: String) async throws {
    guard maxInFlight > 1 else {
      try await deliver(event)
      await context.succeeded(event)
      return
    }
    while inFlight.count >= maxInFlight {
      await withCheckedContinuation { slotWaiters.append($0) }
    }
    let number = nextRequest
    nextRequest += 1
    let context = context
    inFlight[number] = Task {
      do {
        try await self.deliver(event)
        await context.succeeded(event)
      } catch {
        await context.failed(event, error: error)
      }
      self.finished(number)
    }
  }

  /// Waits to be cancelled (the pipeline cancels it once the inputs are drained), then for the
  /// requests still in flight, so that each event reaches `success` or `failure` before the
  /// pipeline closes them.
  func run() async throws {
    while (try? await Task.sleep(for: .seconds(3600))) != nil {}
    while let (_, request) = inFlight.first { await request.value }
  }

  func didStop() async {
    cancelInFlight()
    try? await client?.shutdown()
    client = nil
  }

  private func finished(_ number: Int) {
    inFlight[number] = nil
    if !slotWaiters.isEmpty { slotWaiters.removeFirst().resume() }
  }

  private func cancelInFlight() {
    for request in inFlight.values { request.cancel() }
  }

  /// One event's POST, tried again as the retry policy says.
  private func deliver(_ event: Event) async throws {
    guard let client else { throw NetworkError.writeFailed(url, "the module has not started") }
    let value = event[selection] ?? .null
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "content-type", value: contentType ?? HTTPOutput.contentType(of: value))
    for (name, text) in headers { request.headers.add(name: name, value: text) }
    let body = value.byteValue
    request.body = .bytes(ByteBuffer(bytes: body))
    let url = url
    let timeout = TimeAmount(timeout)
    try await retry.run(context: context, isRetryable: HTTPOutput.isRetryable) {
      let response: HTTPClientResponse
      do {
        response = try await client.execute(request, timeout: timeout)
      } catch {
        throw HTTPOutput.failure(error, url: url)
      }
      if (200..<300).contains(response.status.code) {
        // Read to the end, so that the connection can be used again.
        for try await _ in response.body {}
        return
      }
      let text = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
      throw NetworkError.httpStatus(
        url: url, status: Int(response.status.code), body: String(text.prefix(200)))
    }
  }

  /// An async-http-client error in words.
  static func failure(_ error: any Error, url: String) -> any Error {
    if error is CancellationError { return error }
    if let error = error as? HTTPClientError {
      switch error {
      case .deadlineExceeded, .readTimeout, .writeTimeout: return NetworkError.httpTimeout(url: url)
      case .connectTimeout: return NetworkError.connectFailed(url, "no connection in time (timed out)")
      case .remoteConnectionClosed: return NetworkError.writeFailed(url, "the server closed the connection")
      case .tlsHandshakeTimeout:
        return NetworkError.connectFailed(url, "the TLS handshake did not finish in time")
      case .cancelled: return CancellationError()
      default: return NetworkError.writeFailed(url, error.shortDescription.lowercased())
      }
    }
    let host = URLComponents(string: url)?.host
    return NetworkError.connectFailed(
      url, SystemError.describe(SPError.translatingTLS(error, serverName: host)))
  }

  /// Whether a failed POST may succeed if sent again: not after a 4xx answer other than 408
  /// (request timeout) and 429 (too many requests), nor a cancellation.
  static func isRetryable(_ error: any Error) -> Bool {
    if case NetworkError.httpStatus(_, let status, _) = error {
      return !(400..<500).contains(status) || status == 408 || status == 429
    }
    return !(error is CancellationError)
  }

  static func contentType(of value: EventValue) -> String {
    switch value {
    case .string: return "text/plain; charset=utf-8"
    case .bytes: return "application/octet-stream"
    default: return "application/json"
    }
  }
}
