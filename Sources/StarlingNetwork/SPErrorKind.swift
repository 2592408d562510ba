extension SPError {
  /// The case's name without its values, such as `protocolError`: a stable label for metrics
  /// and logs, where ``description`` varies with the details.
  public var kind: String {
    switch self {
    case .timedOut: "timedOut"
    case .closed: "closed"
    case .badState: "badState"
    case .messageTooLarge: "messageTooLarge"
    case .connectionRefused: "connectionRefused"
    case .addressInUse: "addressInUse"
    case .invalidAddress: "invalidAddress"
    case .unsupportedTransport: "unsupportedTransport"
    case .protocolError: "protocolError"
    case .peerMismatch: "peerMismatch"
    case .connectionFailed: "connectionFailed"
    case .cancelled: "cancelled"
    case .tlsBadCertificate: "tlsBadCertificate"
    case .tlsUnknownAuthority: "tlsUnknownAuthority"
    case .tlsNameMismatch: "tlsNameMismatch"
    case .tlsNotTLS: "tlsNotTLS"
    case .tlsFailed: "tlsFailed"
    }
  }
}
