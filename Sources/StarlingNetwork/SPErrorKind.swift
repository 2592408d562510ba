extension SPError {
  /// Which case an error is, without its values: a stable key for statistics, metrics and logs,
  /// where ``SPError/description`` varies with the details.
  public enum Kind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// ``SPError/timedOut``.
    case timedOut
    /// ``SPError/closed``.
    case closed
    /// ``SPError/badState(_:)``.
    case badState
    /// ``SPError/messageTooLarge(size:limit:)``.
    case messageTooLarge
    /// ``SPError/connectionRefused(_:)``.
    case connectionRefused
    /// ``SPError/addressInUse(_:)``.
    case addressInUse
    /// ``SPError/invalidAddress(_:reason:)``.
    case invalidAddress
    /// ``SPError/unsupportedTransport(_:)``.
    case unsupportedTransport
    /// ``SPError/protocolError(_:)``.
    case protocolError
    /// ``SPError/peerMismatch(expected:actual:)``.
    case peerMismatch
    /// ``SPError/connectionFailed(_:)``.
    case connectionFailed
    /// ``SPError/cancelled(_:)``.
    case cancelled
    /// ``SPError/tlsBadCertificate(_:)``.
    case tlsBadCertificate
    /// ``SPError/tlsUnknownAuthority(_:)``.
    case tlsUnknownAuthority
    /// ``SPError/tlsNameMismatch(_:)``.
    case tlsNameMismatch
    /// ``SPError/tlsNotTLS(_:)``.
    case tlsNotTLS
    /// ``SPError/tlsFailed(_:)``.
    case tlsFailed

    /// The case's name, such as `protocolError`.
    public var description: String { rawValue }
  }

  /// Which case the error is, such as ``Kind/protocolError``.
  public var kind: Kind {
    switch self {
    case .timedOut: .timedOut
    case .closed: .closed
    case .badState: .badState
    case .messageTooLarge: .messageTooLarge
    case .connectionRefused: .connectionRefused
    case .addressInUse: .addressInUse
    case .invalidAddress: .invalidAddress
    case .unsupportedTransport: .unsupportedTransport
    case .protocolError: .protocolError
    case .peerMismatch: .peerMismatch
    case .connectionFailed: .connectionFailed
    case .cancelled: .cancelled
    case .tlsBadCertificate: .tlsBadCertificate
    case .tlsUnknownAuthority: .tlsUnknownAuthority
    case .tlsNameMismatch: .tlsNameMismatch
    case .tlsNotTLS: .tlsNotTLS
    case .tlsFailed: .tlsFailed
    }
  }
}
