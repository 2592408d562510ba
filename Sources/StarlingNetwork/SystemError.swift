import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors from the system and from SwiftNIO in plain words, naming the cause: the errno's name
/// (`connection refused (ECONNREFUSED)`), never a NIO type's description
/// (`bind(descriptor:ptr:bytes:) … (errno: 98)`, `SingleConnectionFailure(target: …)`).
package enum SystemError {
  /// An error of a connection, a listener or a socket call in words: a system error as its
  /// message and errno name, NIO's connection errors by their cause, ``SPError`` (TLS ones
  /// included) as its description; anything else as it describes itself.
  package static func describe(_ error: any Error) -> String {
    switch error {
    case let error as SPError:
      return error.description
    case let error as IOError:
      return describe(errno: error.errnoCode)
    case let error as NIOConnectionError:
      if let last = error.connectionErrors.last { return describe(last.error) }
      if error.dnsAError != nil || error.dnsAAAAError != nil {
        return "the host '\(error.host)' cannot be resolved"
      }
      return "no address to connect to for '\(error.host)'"
    case let error as ChannelError:
      return describe(error)
    default:
      return "\(error)"
    }
  }

  /// NIO's channel errors in words.
  private static func describe(_ error: ChannelError) -> String {
    switch error {
    case .connectTimeout(let limit): return "no connection within \(seconds(limit)) (timed out)"
    case .ioOnClosedChannel, .alreadyClosed: return "the connection is closed"
    case .outputClosed: return "the connection is closed for writing"
    case .inputClosed, .eof: return "the peer closed the connection"
    case .writeHostUnreachable: return "the host is unreachable"
    case .writeMessageTooLarge: return "the message is too large for the socket"
    default: return "\(error)"
    }
  }

  /// `connection refused (ECONNREFUSED)`: the system's message, lower-cased, and the errno's
  /// name.
  package static func describe(errno code: CInt) -> String {
    let message = String(cString: strerror(code))
    let lowered = message.prefix(1).lowercased() + message.dropFirst()
    return name(errno: code).map { "\(lowered) (\($0))" } ?? "\(lowered) (errno \(code))"
  }

  /// The errno's symbolic name (`ECONNREFUSED`), for the codes a network program meets.
  package static func name(errno code: CInt) -> String? {
    names[code]
  }

  private static let names: [CInt: String] = [
    EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EIO: "EIO", EBADF: "EBADF", EAGAIN: "EAGAIN",
    ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT", EBUSY: "EBUSY", EEXIST: "EEXIST",
    ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL", ENFILE: "ENFILE", EMFILE: "EMFILE",
    ENOSPC: "ENOSPC", EPIPE: "EPIPE", EROFS: "EROFS", ENAMETOOLONG: "ENAMETOOLONG", ENOTSOCK: "ENOTSOCK",
    EMSGSIZE: "EMSGSIZE", EPROTONOSUPPORT: "EPROTONOSUPPORT", EAFNOSUPPORT: "EAFNOSUPPORT",
    EADDRINUSE: "EADDRINUSE", EADDRNOTAVAIL: "EADDRNOTAVAIL", ENETDOWN: "ENETDOWN",
    ENETUNREACH: "ENETUNREACH", ENETRESET: "ENETRESET", ECONNABORTED: "ECONNABORTED",
    ECONNRESET: "ECONNRESET", ENOBUFS: "ENOBUFS", EISCONN: "EISCONN", ENOTCONN: "ENOTCONN",
    ETIMEDOUT: "ETIMEDOUT", ECONNREFUSED: "ECONNREFUSED", EHOSTDOWN: "EHOSTDOWN",
    EHOSTUNREACH: "EHOSTUNREACH", EALREADY: "EALREADY", EINPROGRESS: "EINPROGRESS", EPROTO: "EPROTO",
  ]

  /// `5 s`, `250 ms`.
  private static func seconds(_ amount: TimeAmount) -> String {
    let milliseconds = amount.nanoseconds / 1_000_000
    return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
  }
}
