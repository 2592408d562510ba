import Foundation

@testable import Starling

/// Throwaway certificates for the TLS tests, made with `openssl` in a temporary directory.
///
/// - `ca` signs `server` (valid for `localhost` and `127.0.0.1`), `client`, and `expired`
///   (a server certificate whose validity ended yesterday);
/// - `otherCA` signs `stranger`, a server certificate nobody trusts;
/// - `elsewhere` is signed by `ca` but valid only for `elsewhere.example`.
struct TestCertificates: Sendable {
  let directory: URL

  /// Made once per test process.
  static let shared: Result<TestCertificates, PeerError> = Result { try TestCertificates() }.mapError {
    PeerError("cannot make test certificates with openssl: \($0)")
  }

  /// The certificates, or an error saying why they could not be made. The first call runs
  /// openssl on a thread of its own: a test waiting for it must not hold one of the few threads
  /// of Swift's pool (every TLS test would wait on that one initialisation, and every test
  /// beside them would starve).
  static func make() async throws -> TestCertificates {
    try await withCheckedContinuation { continuation in
      Thread { continuation.resume(returning: shared) }.start()
    }.get()
  }

  private init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "starling-tls-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try authority("ca", "Starling Test CA")
    try authority("otherCA", "Some Other CA")
    try leaf("server", "localhost", by: "ca", names: "DNS:localhost,IP:127.0.0.1", days: 2)
    try leaf("client", "starling client", by: "ca", names: "DNS:client.example", days: 2)
    try leaf("expired", "localhost", by: "ca", names: "DNS:localhost,IP:127.0.0.1", days: -1)
    try leaf("stranger", "localhost", by: "otherCA", names: "DNS:localhost,IP:127.0.0.1", days: 2)
    try leaf("elsewhere", "elsewhere.example", by: "ca", names: "DNS:elsewhere.example", days: 2)
  }

  /// The path of `name.crt` or `name.key`.
  func path(_ name: String, _ kind: String) -> String {
    directory.appendingPathComponent("\(name).\(kind)").path
  }

  /// Listener options presenting the certificate `name`.
  func listener(_ name: String = "server", authentication: TLSOptions.Authentication? = nil) -> TLSOptions {
    TLSOptions(
      certificate: .file(path(name, "crt")), privateKey: .file(path(name, "key")),
      trustRoots: .file(path("ca", "crt")), authentication: authentication)
  }

  /// Dialer options trusting `ca` (by default the test CA), with PEM text in memory.
  func dialer(
    trusting ca: String = "ca", serverName: String? = nil, certificate: String? = nil
  ) throws
    -> TLSOptions
  {
    TLSOptions(
      certificate: try certificate.map { .pem(try String(contentsOfFile: path($0, "crt"), encoding: .utf8)) },
      privateKey: try certificate.map { .pem(try String(contentsOfFile: path($0, "key"), encoding: .utf8)) },
      trustRoots: .pem(try String(contentsOfFile: path(ca, "crt"), encoding: .utf8)), serverName: serverName)
  }

  /// The environment that makes `peer.py` listen with `name`'s certificate.
  func peerListening(_ name: String = "server", auth: String? = nil) -> [String: String] {
    var environment = ["PEER_TLS_CERT": path(name, "crt"), "PEER_TLS_KEY": path(name, "key")]
    environment["PEER_TLS_CA"] = path("ca", "crt")
    if let auth { environment["PEER_TLS_AUTH"] = auth }
    return environment
  }

  /// The environment that makes `peer.py` dial trusting the test CA.
  func peerDialing(certificate: String? = nil) -> [String: String] {
    var environment = ["PEER_TLS_CA": path("ca", "crt"), "PEER_TLS_SERVER_NAME": "localhost"]
    if let certificate {
      environment["PEER_TLS_CERT"] = path(certificate, "crt")
      environment["PEER_TLS_KEY"] = path(certificate, "key")
    }
    return environment
  }

  private func authority(_ name: String, _ commonName: String) throws {
    try openssl([
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", path(name, "key"), "-out", path(name, "crt"), "-subj", "/CN=\(commonName)", "-days", "2",
    ])
  }

  private func leaf(_ name: String, _ commonName: String, by ca: String, names: String, days: Int) throws {
    let extensions = directory.appendingPathComponent("\(name).ext")
    try "subjectAltName=\(names)\nbasicConstraints=CA:FALSE\n".write(
      to: extensions, atomically: true, encoding: .utf8)
    try openssl([
      "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", path(name, "key"), "-out", path(name, "csr"), "-subj", "/CN=\(commonName)",
    ])
    try openssl([
      "x509", "-req", "-in", path(name, "csr"), "-CA", path(ca, "crt"), "-CAkey", path(ca, "key"),
      "-CAcreateserial", "-out", path(name, "crt"), "-days", String(days), "-extfile", extensions.path,
    ])
  }

  private func openssl(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["openssl"] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw PeerError("openssl \(arguments.prefix(2).joined(separator: " ")) failed")
    }
  }
}
