import NIOCore
import NIOSSL

/// A dialer's or listener's TLS setup, built once from ``TLSOptions``: the NIOSSL context, and
/// what is needed to explain a failed handshake.
package struct TLSContext: Sendable {
  /// Which end of connections the context serves.
  package enum Role: Sendable { case dialer, listener }

  package let role: Role
  package let context: NIOSSLContext
  /// The subjects of the configured trust roots (empty when the system's are used), to tell a
  /// bad certificate from one signed by an unknown authority.
  package let trustedSubjects: [[SSLCertificateName]]
  /// The name a dialer verifies and sends as SNI; `nil` to verify the address dialed.
  package let serverName: String?

  /// Builds the context for dialing or listening at `address`.
  package init(_ options: TLSOptions, role: Role, address: Address) throws(SPError) {
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
        "a TLS listener needs a certificate and its private key (TLSOptions.certificate and .privateKey)"
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
  package func handlers() throws -> [any ChannelHandler] {
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
