import NIOCore
import NIOSSL

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
