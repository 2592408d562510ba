import Foundation
import NIOCore
import StarlingNetwork

/// TLS for `input.tcp`, `input.http` and `output.tcp`: the arguments, checked, and the handlers for a
/// connection, built with StarlingNetwork's ``TLSContext`` as the SP socket modules' TLS is
/// (so a failed handshake is logged with its cause: bad certificate, unknown authority, name
/// mismatch, a peer that does not speak TLS).
struct TCPTLS: Sendable {
  /// The arguments of `input.tcp` and `input.http`: TLS is on when `tls_cert` is given.
  static let serverArguments: [ArgumentSpec] = [
    ArgumentSpec("tls_cert", .string, "PEM file of the server's certificate chain: serve TLS."),
    ArgumentSpec("tls_key", .string, "PEM file of the private key of `tls_cert`."),
    ArgumentSpec("tls_ca", .string, "PEM file of the authorities trusted to sign client certificates."),
    ArgumentSpec(
      "tls_client_auth", .choice(["none", "optional", "required"]),
      "Whether clients must present a certificate that `tls_ca` verifies; default `required` with `tls_ca`, else `none`."
    ),
  ]

  /// The arguments of `output.tcp`: TLS is on with `tls: true`.
  static let clientArguments: [ArgumentSpec] = [
    ArgumentSpec("tls", .bool, default: false, "Speak TLS to the server."),
    ArgumentSpec(
      "tls_ca", .string,
      "PEM file of the authorities trusted to sign the server's certificate (default: the system's)."),
    ArgumentSpec("tls_cert", .string, "PEM file of a client certificate, for servers that ask for one."),
    ArgumentSpec("tls_key", .string, "PEM file of the private key of `tls_cert`."),
    ArgumentSpec(
      "tls_server_name", .string, "The name expected in the server's certificate (default: the host)."),
    ArgumentSpec("tls_insecure", .bool, default: false, "Do not verify the server's certificate."),
  ]

  let options: TLSOptions
  let role: TLSContext.Role
  let address: Address
  /// The TLS files given, by argument name, checked when the module starts.
  let files: [(argument: String, path: String)]

  /// The server's TLS settings, or `nil` without `tls_cert`.
  ///
  /// - Throws: ``PipelineError/invalidArgument(_:)`` for a key without a certificate (or the
  ///   other way round), or client authentication without TLS.
  static func server(_ arguments: ModuleArguments, endpoint: NetworkEndpoint) throws -> TCPTLS? {
    let certificate = arguments.string("tls_cert")
    let key = arguments.string("tls_key")
    guard certificate != nil || key != nil else {
      for name in ["tls_ca", "tls_client_auth"] where arguments[name] != nil {
        throw PipelineError.invalidArgument("`\(name)` needs TLS: give `tls_cert` and `tls_key` too")
      }
      return nil
    }
    guard let certificate, let key else {
      throw PipelineError.invalidArgument("`tls_cert` and `tls_key` go together: give both or neither")
    }
    let ca = arguments.string("tls_ca")
    let authentication: TLSOptions.Authentication
    switch arguments.string("tls_client_auth") ?? (ca == nil ? "none" : "required") {
    case "required": authentication = .required
    case "optional": authentication = .optional
    default: authentication = .none
    }
    if authentication != .none, ca == nil {
      throw PipelineError.invalidArgument(
        "`tls_client_auth` \(arguments.string("tls_client_auth") ?? "") needs `tls_ca`, the authorities that sign client certificates"
      )
    }
    return try TCPTLS(
      options: TLSOptions(
        certificate: .file(certificate), privateKey: .file(key), trustRoots: ca.map { .file($0) },
        authentication: authentication),
      role: .listener, endpoint: endpoint, arguments: arguments)
  }

  /// The client's TLS settings, or `nil` unless `tls: true`.
  ///
  /// - Throws: ``PipelineError/invalidArgument(_:)`` for TLS arguments without `tls: true`, or
  ///   a key without a certificate (or the other way round).
  static func client(_ arguments: ModuleArguments, endpoint: NetworkEndpoint) throws -> TCPTLS? {
    guard arguments.bool("tls") == true else {
      for name in ["tls_ca", "tls_cert", "tls_key", "tls_server_name"] where arguments[name] != nil {
        throw PipelineError.invalidArgument("`\(name)` is given but `tls` is false: add `tls: true`")
      }
      return nil
    }
    let certificate = arguments.string("tls_cert")
    if (certificate == nil) != (arguments.string("tls_key") == nil) {
      throw PipelineError.invalidArgument("`tls_cert` and `tls_key` go together: give both or neither")
    }
    return try TCPTLS(
      options: TLSOptions(
        certificate: certificate.map { .file($0) }, privateKey: arguments.string("tls_key").map { .file($0) },
        trustRoots: arguments.string("tls_ca").map { .file($0) },
        serverName: arguments.string("tls_server_name"),
        authentication: arguments.bool("tls_insecure") == true ? TLSOptions.Authentication.none : nil),
      role: .dialer, endpoint: endpoint, arguments: arguments)
  }

  private init(
    options: TLSOptions, role: TLSContext.Role, endpoint: NetworkEndpoint, arguments: ModuleArguments
  ) throws {
    self.options = options
    self.role = role
    do {
      address = try Address("tls+tcp://\(endpoint)")
    } catch {
      throw PipelineError.invalidArgument("\(endpoint) cannot be used with TLS: \(error)")
    }
    files = ["tls_cert", "tls_key", "tls_ca"].compactMap { name in arguments.string(name).map { (name, $0) } }
  }

  /// The TLS context, once the files are checked: made when the module starts.
  ///
  /// - Throws: ``PipelineError/invalidArgument(_:)`` naming a file that cannot be read;
  ///   ``SPError`` for a file that is not a PEM certificate or key.
  func context() throws -> TLSContext {
    for (argument, path) in files where !FileManager.default.isReadableFile(atPath: path) {
      let reason =
        FileManager.default.fileExists(atPath: path) ? "cannot be read (permission denied)" : "does not exist"
      throw PipelineError.invalidArgument("`\(argument)` file '\(path)' \(reason)")
    }
    return try TLSContext(options, role: role, address: address)
  }
}
