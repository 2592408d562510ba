import NIOCore
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A dialer's or listener's TLS setup, built once from ``TLSOptions``: the NIOSSL context, and
/// what is needed to explain a failed handshake.
struct TLSContext: Sendable {
  /// Which end of connections the context serves.
  enum Role: Sendable { case dialer, listener }

  let role: Role
  let context: NIOSSLContext
  /// The subjects of the configured trust roots (empty when the system's are used), to tell a
  /// bad certificate from one signed by an unknown authority.
  let trustedSubjects: [[SSLCertificateName]]
  /// The name a dialer verifies and sends as SNI; `nil` to verify the address dialed.
  let serverName: String?

  /// Builds the context for dialing or listening at `address`.
  init(_ options: TLSOptions, role: Role, address: Address) throws(SPError) {
    self.role = role
    let authentication = options.authentication ?? (role == .dialer ? .required : .none)
    // The client and server configurations differ only in the verification, set below.
    var configuration = TLSConfiguration.makeClientConfiguration()
    configuration.minimumTLSVersion = .tlsv12
    do {
      let chain = try options.certificate.map(Self.certificates) ?? []
      configuration.certificateChain = chain.map { .certificate($0) }
      if let key = options.privateKey {
        configuration.privateKey = .privateKey(try Self.privateKey(key))
      } else {
        configuration.privateKey = nil
      }
      var trusted: [NIOSSLCertificate] = []
      if let roots = options.trustRoots {
        trusted = try Self.certificates(roots)
        configuration.trustRoots = .certificates(trusted)
      } else {
        configuration.trustRoots = .default
      }
      self.trustedSubjects = trusted.map(\.subjectName)
    } catch let error as SPError {
      throw error
    } catch {
      throw .tlsFailed("cannot load the TLS certificate, key or trust roots: \(error)")
    }
    if role == .listener, configuration.certificateChain.isEmpty || configuration.privateKey == nil {
      throw .tlsFailed(
        "a TLS listener needs a certificate and its private key (SocketOptions.tls.certificate and .privateKey)"
      )
    }
    if configuration.certificateChain.isEmpty != (configuration.privateKey == nil) {
      throw .tlsFailed("a TLS certificate needs its private key, and a key its certificate")
    }
    switch (authentication, role) {
    case (.none, _): configuration.certificateVerification = .none
    case (.optional, _): configuration.certificateVerification = .optionalVerification
    case (.required, .dialer): configuration.certificateVerification = .fullVerification
    case (.required, .listener): configuration.certificateVerification = .noHostnameVerification
    }
    self.serverName = options.serverName ?? (role == .dialer ? address.host : nil)
    do {
      self.context = try NIOSSLContext(configuration: configuration)
    } catch {
      throw .tlsFailed("cannot use the TLS options: \(error)")
    }
  }

  /// The TLS handlers that go first on a new connection: NIOSSL's, then the one that turns its
  /// errors into ``SPError``s naming the cause. Runs on the channel's event loop.
  func handlers() throws -> [any ChannelHandler] {
    let diagnosis = TLSDiagnosis(trustedSubjects: trustedSubjects)
    let verify: NIOSSLVerificationCallback = { result, certificate in
      if result == .failed { diagnosis.record(certificate) }
      return result
    }
    let tls: any ChannelHandler
    switch role {
    case .dialer:
      // SNI cannot carry an IP address; NIOSSL then checks the address against the certificate.
      let sni = serverName.flatMap { Self.isIPAddress($0) ? nil : $0 }
      tls = try NIOSSLClientHandler(context: context, serverHostname: sni, verificationCallback: verify)
    case .listener:
      tls = try NIOSSLServerHandler(context: context, verificationCallback: verify)
    }
    return [tls, TLSErrorHandler(diagnosis: diagnosis, serverName: serverName)]
  }

  private static func isIPAddress(_ host: String) -> Bool {
    (try? SocketAddress(ipAddress: host, port: 0)) != nil
  }

  private static func certificates(_ source: TLSOptions.Source) throws -> [NIOSSLCertificate] {
    let certificates: [NIOSSLCertificate]
    switch source {
    case .file(let path): certificates = try NIOSSLCertificate.fromPEMFile(path)
    case .pem(let text): certificates = try NIOSSLCertificate.fromPEMBytes(Array(text.utf8))
    }
    guard !certificates.isEmpty else { throw SPError.tlsFailed("no PEM certificate in \(source)") }
    return certificates
  }

  private static func privateKey(_ source: TLSOptions.Source) throws -> NIOSSLPrivateKey {
    switch source {
    case .file(let path): try NIOSSLPrivateKey(file: path, format: .pem)
    case .pem(let text): try NIOSSLPrivateKey(bytes: Array(text.utf8), format: .pem)
    }
  }
}

/// What certificate verification found wrong during one handshake. Lives on one channel's
/// event loop: NIOSSL calls the verification callback there, and ``TLSErrorHandler`` reads it
/// there.
final class TLSDiagnosis {
  private let trustedSubjects: [[SSLCertificateName]]
  private(set) var failure: SPError?

  init(trustedSubjects: [[SSLCertificateName]]) {
    self.trustedSubjects = trustedSubjects
  }

  /// Notes why `certificate` failed verification (the first failure is the one reported).
  func record(_ certificate: NIOSSLCertificate) {
    guard failure == nil else { return }
    let name = Self.commonName(certificate.subjectName) ?? "(no common name)"
    let now = time(nil)
    if certificate.notValidAfter < now {
      failure = .tlsBadCertificate("the peer's certificate '\(name)' has expired")
    } else if certificate.notValidBefore > now {
      failure = .tlsBadCertificate("the peer's certificate '\(name)' is not valid yet")
    } else if trustedSubjects.contains(certificate.issuerName) {
      failure = .tlsBadCertificate(
        "the peer's certificate '\(name)' is signed by a trusted authority but is not valid for this use")
    } else if certificate.issuerName == certificate.subjectName {
      failure = .tlsUnknownAuthority("the peer's certificate '\(name)' is self-signed and not trusted")
    } else {
      let issuer = Self.commonName(certificate.issuerName) ?? "(no common name)"
      failure = .tlsUnknownAuthority(
        "the peer's certificate '\(name)' is issued by '\(issuer)', which is not a trusted authority")
    }
  }

  static func commonName(_ names: [SSLCertificateName]) -> String? {
    names.last { $0.type == .commonName }?.value
  }
}

/// Turns NIOSSL's errors into ``SPError``s that say what went wrong (bad certificate, unknown
/// authority, name mismatch, a peer that does not speak TLS), and drops the "unclean shutdown"
/// that a peer closing without a TLS close notification causes (nng closes that way).
final class TLSErrorHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = ByteBuffer

  private let diagnosis: TLSDiagnosis
  private let serverName: String?

  init(diagnosis: TLSDiagnosis, serverName: String?) {
    self.diagnosis = diagnosis
    self.serverName = serverName
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if let error = error as? NIOSSLError, error == .uncleanShutdown {
      context.close(promise: nil)
      return
    }
    context.fireErrorCaught(translate(error, peer: context.channel.remoteAddress))
  }

  /// The error as an ``SPError`` if it comes from TLS; other errors unchanged.
  func translate(_ error: any Error, peer: SocketAddress?) -> any Error {
    let text = "\(error)"
    if text.contains("failedToValidateHostname") {
      let expected = serverName ?? peer?.ipAddress ?? "the address dialed"
      return SPError.tlsNameMismatch("the listener's certificate is not valid for '\(expected)'")
    }
    if text.contains("CERTIFICATE_VERIFY_FAILED") {
      return diagnosis.failure ?? SPError.tlsUnknownAuthority("the peer's certificate could not be verified")
    }
    for (marker, translated) in Self.peerAlerts where text.contains(marker) {
      return translated
    }
    for marker in Self.notTLSMarkers where text.contains(marker) {
      return SPError.tlsNotTLS(
        "its first bytes are not a TLS record (\(marker)); is it a plain tcp:// socket?")
    }
    if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
      return SPError.tlsFailed(text)
    }
    return error
  }

  /// Alerts a peer sends when it refuses this side's certificate.
  private static let peerAlerts: [(String, SPError)] = [
    (
      "ALERT_UNKNOWN_CA",
      .tlsUnknownAuthority("the peer does not trust the authority that signed this side's certificate")
    ),
    ("ALERT_CERTIFICATE_EXPIRED", .tlsBadCertificate("the peer refused this side's certificate as expired")),
    ("ALERT_BAD_CERTIFICATE", .tlsBadCertificate("the peer refused this side's certificate")),
    ("ALERT_CERTIFICATE_UNKNOWN", .tlsBadCertificate("the peer refused this side's certificate")),
    (
      "ALERT_UNSUPPORTED_CERTIFICATE",
      .tlsBadCertificate("the peer refused this side's certificate as unsupported")
    ),
    ("CERTIFICATE_REQUIRED", .tlsBadCertificate("the peer requires a certificate and this side sent none")),
    (
      "PEER_DID_NOT_RETURN_A_CERTIFICATE",
      .tlsBadCertificate("the peer sent no certificate, and one is required")
    ),
  ]

  /// BoringSSL's reasons for bytes that are not TLS.
  private static let notTLSMarkers = [
    "WRONG_VERSION_NUMBER", "HTTP_REQUEST", "UNEXPECTED_RECORD", "PACKET_LENGTH_TOO_LONG",
    "UNKNOWN_PROTOCOL", "WRONG_SSL_VERSION", "RECORD_TOO_LARGE", "ENCRYPTED_LENGTH_TOO_LONG",
  ]
}
