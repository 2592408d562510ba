import Foundation
import Logging
import Starling

/// The arguments every socket module shares, checked: where to listen and dial, and TLS.
///
/// `listen` and `dial` each take a list of URLs or a single URL; together they must name at
/// least one, and each must parse as an SP address (a bad one is a config error naming it).
struct SocketEndpoints: Sendable {
  /// How long a stopping socket module gives its connections to hand their peers what they
  /// hold (the events it sent, the replies it answered) before it closes them.
  static let closeLinger: Duration = .seconds(5)

  /// The URLs to listen on.
  let listen: [String]
  /// The URLs to dial.
  let dial: [String]
  /// TLS settings for `tls+tcp://` and `wss://` URLs.
  let tls: TLSOptions

  /// The argument specs every socket module takes.
  static let arguments: [ArgumentSpec] = [
    ArgumentSpec(
      "listen", .any, default: .array([]),
      "URL or list of URLs to listen on (`tcp://127.0.0.1:5555`, `ipc:///tmp/x.sock`, `tls+tcp://*:5556`)."),
    ArgumentSpec(
      "dial", .any, default: .array([]), "URL or list of URLs to dial; reconnects when a peer goes."),
    ArgumentSpec("tls_ca", .string, "PEM file of the authorities trusted to sign the peer's certificate."),
    ArgumentSpec("tls_cert", .string, "PEM file of this side's certificate (required to listen with TLS)."),
    ArgumentSpec("tls_key", .string, "PEM file of the private key of `tls_cert`."),
    ArgumentSpec("tls_server_name", .string, "The name a dialer expects in the listener's certificate."),
    ArgumentSpec("tls_insecure", .bool, default: false, "Do not verify the peer's certificate."),
  ]

  /// Reads and checks the arguments.
  ///
  /// - Throws: ``PipelineError/invalidArgument(_:)`` for a URL that does not parse, a value
  ///   that is not a URL or list of URLs, or no URL at all.
  init(_ arguments: ModuleArguments) throws {
    listen = try Self.urls(arguments["listen"], name: "listen")
    dial = try Self.urls(arguments["dial"], name: "dial")
    guard !listen.isEmpty || !dial.isEmpty else {
      throw PipelineError.invalidArgument("give at least one URL to `listen` on or to `dial`")
    }
    var tls = TLSOptions()
    tls.trustRoots = arguments.string("tls_ca").map { .file($0) }
    tls.certificate = arguments.string("tls_cert").map { .file($0) }
    tls.privateKey = arguments.string("tls_key").map { .file($0) }
    tls.serverName = arguments.string("tls_server_name")
    if arguments.bool("tls_insecure") == true { tls.authentication = TLSOptions.Authentication.none }
    if (tls.certificate == nil) != (tls.privateKey == nil) {
      throw PipelineError.invalidArgument("`tls_cert` and `tls_key` go together: give both or neither")
    }
    self.tls = tls
    tlsFiles = ["tls_ca", "tls_cert", "tls_key"].compactMap { name in
      arguments.string(name).map { (name, $0) }
    }
  }

  /// The TLS files given, by argument name, checked when the socket opens.
  private let tlsFiles: [(argument: String, path: String)]

  private static func urls(_ value: EventValue?, name: String) throws -> [String] {
    let list: [EventValue]
    switch value {
    case nil, .null: list = []
    case .string: list = [value!]
    case .array(let items): list = items
    case let other?:
      throw PipelineError.invalidArgument("`\(name)` takes a URL or a list of URLs, not \(other.typeName)")
    }
    return try list.map { item in
      guard case .string(let url) = item else {
        throw PipelineError.invalidArgument("`\(name)` takes URLs as strings, not \(item.typeName) \(item)")
      }
      do {
        _ = try Address(url)
      } catch {
        throw PipelineError.invalidArgument("`\(name)` URL '\(url)' is not valid: \(error)")
      }
      return url
    }
  }

  /// Applies the TLS settings, listens on every `listen` URL (logging `listening on URL` with
  /// the bound address) and dials every `dial` URL (in the background: a peer that is not up
  /// yet is retried until it is).
  ///
  /// - Throws: ``PipelineError/invalidArgument(_:)`` naming a TLS file that cannot be read;
  ///   what listening or dialing throws (address in use, a TLS file that is not PEM …).
  func open(_ socket: some Socket, context: ModuleContext) async throws {
    for (argument, path) in tlsFiles where !FileManager.default.isReadableFile(atPath: path) {
      throw PipelineError.invalidArgument("`\(argument)` file '\(path)' does not exist or cannot be read")
    }
    socket.options.tls = tls
    for url in listen {
      let bound = try await socket.listen(url).address
      context.log(.info, "listening on \(bound.url)")
    }
    for url in dial {
      try await socket.dial(url, waitForConnection: false)
      context.log(.info, "dialing \(url)")
    }
  }
}
