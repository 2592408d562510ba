import Foundation
import StarlingSystem

/// Throwaway certificates for the TLS tests, made with `openssl` (run as a ``ChildProcess``)
/// once per test process: `ca` signs `server` (valid for `localhost` and `127.0.0.1`);
/// `stranger` is self-signed for the same names.
struct TestCertificates: Sendable {
  let directory: String

  private static let shared = Task { try await TestCertificates.make() }

  /// The certificates, made on first use.
  static func get() async throws -> TestCertificates { try await shared.value }

  func path(_ name: String, _ kind: String) -> String { "\(directory)/\(name).\(kind)" }

  /// Listener options presenting `name`'s certificate.
  func listener(_ name: String = "server") -> TLSOptions {
    TLSOptions(certificate: .file(path(name, "crt")), privateKey: .file(path(name, "key")))
  }

  /// Dialer options trusting the test CA.
  func dialer() -> TLSOptions {
    TLSOptions(trustRoots: .file(path("ca", "crt")))
  }

  private static func make() async throws -> TestCertificates {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "starling-system-tls-\(UUID().uuidString.prefix(8))"
    ).path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let certificates = TestCertificates(directory: directory)
    let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    try await openssl(
      ["req", "-x509"] + key + [
        "-keyout", certificates.path("ca", "key"), "-out", certificates.path("ca", "crt"),
        "-subj", "/CN=StarlingSystem Test CA", "-days", "2",
      ])
    try await openssl(
      ["req", "-x509"] + key + [
        "-keyout", certificates.path("stranger", "key"), "-out", certificates.path("stranger", "crt"),
        "-subj", "/CN=localhost", "-days", "2", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      ])
    let extensions = "\(directory)/server.ext"
    try "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n".write(
      toFile: extensions, atomically: true, encoding: .utf8)
    try await openssl(
      ["req"] + key + [
        "-keyout", certificates.path("server", "key"), "-out", certificates.path("server", "csr"),
        "-subj", "/CN=localhost",
      ])
    try await openssl([
      "x509", "-req", "-in", certificates.path("server", "csr"), "-CA", certificates.path("ca", "crt"),
      "-CAkey", certificates.path("ca", "key"), "-CAcreateserial", "-out", certificates.path("server", "crt"),
      "-days", "2", "-extfile", extensions,
    ])
    return certificates
  }

  private static func openssl(_ arguments: [String]) async throws {
    let result = try await ChildProcess.run("openssl", arguments: arguments)
    guard result.status.isSuccess else {
      throw PeerError("openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(result.errorOutput)")
    }
  }
}
