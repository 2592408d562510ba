import Foundation
import Starling

/// The TLS flags of `starling cat` (nngcat's `--cacert`, `--cert`/`-E`, `--key`, `--insecure`/`-k`).
struct TLSSettings: Sendable, Equatable {
  /// A PEM file of the certificate authorities to trust.
  var caCertificate: String?
  /// A PEM file with this side's certificate (and its key, when `key` is not given).
  var certificate: String?
  /// A PEM file with the private key of `certificate`.
  var key: String?
  /// Do not verify the peer's certificate.
  var insecure = false

  /// Whether any TLS flag was given.
  var isEmpty: Bool {
    caCertificate == nil && certificate == nil && key == nil && !insecure
  }

  /// The one place where the TLS flags meet an address, called before every dial and listen.
  ///
  /// As in nngcat, the flags only matter for a TLS transport (`tls+tcp://`, `wss://`) and are
  /// ignored for the others. For a TLS address the files must be readable; they become the
  /// socket's ``TLSOptions``: `--cacert` the trusted authorities, `--cert` this side's
  /// certificate, `--key` its key (read from the `--cert` file when not given, as nngcat does),
  /// and `--insecure` turns off the check of the peer's certificate.
  func apply(to socket: any Socket, for url: String) throws(CatError) {
    guard let address = try? Address(url), address.transport == .tls || address.transport == .wss else {
      return
    }
    for (flag, path) in [("--cacert", caCertificate), ("--cert", certificate), ("--key", key)] {
      if let path, !FileManager.default.isReadableFile(atPath: path) {
        throw .failed("cannot read the \(flag) file \(path)")
      }
    }
    socket.options.tls = TLSOptions(
      certificate: certificate.map { .file($0) },
      privateKey: (key ?? certificate).map { .file($0) },
      trustRoots: caCertificate.map { .file($0) },
      authentication: insecure ? TLSOptions.Authentication.none : nil)
  }
}
