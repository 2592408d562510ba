import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SPError {
  /// Any error from a connection as an ``SPError``: the system's refused, in-use and
  /// connect-timeout errors as their cases, others as ``connectionFailed(_:)``.
  package static func describing(_ error: any Error) -> SPError {
    if let error = error as? SPError { return error }
    if let error = error as? IOError {
      switch error.errnoCode {
      case ECONNREFUSED: return .connectionRefused(SystemError.describe(error))
      case EADDRINUSE: return .addressInUse(SystemError.describe(error))
      default: return .connectionFailed(SystemError.describe(error))
      }
    }
    if let error = error as? ChannelError, case .connectTimeout = error { return .timedOut }
    return .connectionFailed(SystemError.describe(error))
  }

  /// The error with the address it concerns, for refused and in-use errors.
  package func naming(_ address: Address) -> SPError {
    switch self {
    case .connectionRefused: .connectionRefused(address.url)
    case .addressInUse: .addressInUse(address.url)
    default: self
    }
  }
}
