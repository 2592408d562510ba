/// The one error type of Starling's sockets.
///
/// Switch on the case to decide what to do; ``description`` says what happened in words.
public enum SPError: Error, Sendable, Hashable, CustomStringConvertible {
  /// An operation did not complete within its timeout (send timeout, receive timeout, survey
  /// deadline).
  case timedOut
  /// The socket (or context) was closed. Every operation pending at close fails this way.
  case closed
  /// The operation is not valid in the socket's current state, for example receiving on a
  /// `Req0` before sending a request.
  case badState(String)
  /// A message is larger than the receive limit.
  case messageTooLarge(size: Int, limit: Int)
  /// Nothing accepted the connection at this address.
  case connectionRefused(String)
  /// Another socket already listens at this address.
  case addressInUse(String)
  /// The address cannot be parsed or used; the second value says why.
  case invalidAddress(String, reason: String)
  /// The address's scheme names a transport that Starling does not have.
  case unsupportedTransport(String)
  /// The peer broke the SP wire protocol; the value says how.
  case protocolError(String)
  /// The peer speaks a protocol that cannot talk to this socket.
  case peerMismatch(expected: UInt16, actual: UInt16)
  /// A connection failed for a reason the system reported.
  case connectionFailed(String)
  /// The operation was abandoned for the reason given, such as a `Req0` request superseded
  /// by a newer one.
  case cancelled(String)
  /// TLS: a certificate was refused as invalid (expired, not yet valid, not for this use, or
  /// missing where one is required); the value says which certificate and why.
  case tlsBadCertificate(String)
  /// TLS: a certificate is not signed by an authority the verifying side trusts (unknown CA,
  /// or self-signed).
  case tlsUnknownAuthority(String)
  /// TLS: the server's certificate is valid, but not for the name (or address) dialed.
  case tlsNameMismatch(String)
  /// TLS: the peer does not speak TLS, such as a plain `tcp://` socket at a `tls+tcp://`
  /// address.
  case tlsNotTLS(String)
  /// TLS: the handshake failed for another reason, or the TLS options cannot be used; the
  /// value says which.
  case tlsFailed(String)

  /// What happened, in words.
  public var description: String {
    switch self {
    case .timedOut: "the operation timed out"
    case .closed: "the socket is closed"
    case .badState(let reason): "bad state: \(reason)"
    case .messageTooLarge(let size, let limit):
      "message of \(size) bytes is larger than the receive limit of \(limit) bytes"
    case .connectionRefused(let address): "connection refused by \(address)"
    case .addressInUse(let address): "address in use: \(address)"
    case .invalidAddress(let address, let reason): "invalid address '\(address)': \(reason)"
    case .unsupportedTransport(let scheme): "unsupported transport '\(scheme)'"
    case .protocolError(let reason): "protocol error: \(reason)"
    case .peerMismatch(let expected, let actual):
      "peer protocol mismatch: expected \(SPProtocol.name(of: expected)), the peer is \(SPProtocol.name(of: actual))"
    case .connectionFailed(let reason): "connection failed: \(reason)"
    case .cancelled(let reason): "cancelled: \(reason)"
    case .tlsBadCertificate(let reason): "TLS: bad certificate: \(reason)"
    case .tlsUnknownAuthority(let reason): "TLS: unknown certificate authority: \(reason)"
    case .tlsNameMismatch(let reason): "TLS: certificate name mismatch: \(reason)"
    case .tlsNotTLS(let reason): "TLS: the peer does not speak TLS: \(reason)"
    case .tlsFailed(let reason): "TLS failed: \(reason)"
    }
  }
}
