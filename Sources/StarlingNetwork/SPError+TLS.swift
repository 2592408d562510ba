import NIOSSL

extension SPError {
  /// A TLS error (from NIOSSL or BoringSSL, on a channel of this handler's or of another
  /// client's, such as async-http-client's) as an ``SPError`` naming the cause; other errors
  /// unchanged.
  ///
  /// - Parameters:
  ///   - serverName: the name (or address) a client expected in the server's certificate.
  ///   - diagnosis: what verification found wrong with the peer's certificate, if known.
  package static func translatingTLS(
    _ error: any Error, serverName: String?, diagnosis: SPError? = nil
  ) -> any Error {
    let text = "\(error)"
    if text.contains("failedToValidateHostname") {
      let expected = serverName ?? "the address dialed"
      return SPError.tlsNameMismatch("the listener's certificate is not valid for '\(expected)'")
    }
    if text.contains("CERTIFICATE_VERIFY_FAILED") {
      return diagnosis ?? SPError.tlsUnknownAuthority("the peer's certificate could not be verified")
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
