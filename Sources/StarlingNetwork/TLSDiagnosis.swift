import NIOCore
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
