import Foundation

/// A throwaway self-signed certificate for 127.0.0.1 and localhost, made once per test
/// process with `openssl`, on a thread of its own (not one of Swift's pool).
struct SelfSignedCertificate: Sendable {
  let certificate: String
  let key: String

  private static let shared: Result<SelfSignedCertificate, TestFailure> = Result {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "starling-http-tls-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let made = SelfSignedCertificate(
      certificate: directory.appendingPathComponent("server.crt").path,
      key: directory.appendingPathComponent("server.key").path)
    let openssl = Process()
    openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    openssl.arguments = [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
      "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout", made.key, "-out", made.certificate,
    ]
    openssl.standardOutput = FileHandle.nullDevice
    openssl.standardError = FileHandle.nullDevice
    try openssl.run()
    openssl.waitUntilExit()
    guard openssl.terminationStatus == 0 else {
      throw TestFailure("openssl exited with \(openssl.terminationStatus)")
    }
    return made
  }.mapError { $0 as? TestFailure ?? TestFailure("cannot make a certificate with openssl: \($0)") }

  /// The certificate, or an error saying why it could not be made.
  static func make() async throws -> SelfSignedCertificate {
    try await withCheckedContinuation { continuation in
      Thread { continuation.resume(returning: shared) }.start()
    }.get()
  }
}
