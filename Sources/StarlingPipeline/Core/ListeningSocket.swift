import NIOCore
import StarlingNetwork

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Binding a listening TCP socket with the system's calls, so that ``ListeningSockets`` owns the
/// descriptor (and can hand it from one pipeline to the next).
enum ListeningSocket {
  /// How many connections may wait to be accepted.
  static let backlog: CInt = 256

  /// A socket bound to `host:port` and listening, close-on-exec, with `SO_REUSEADDR` (and
  /// `SO_REUSEPORT` when `sharePort`).
  static func open(host: String, port: Int, sharePort: Bool) throws(ListenError) -> CInt {
    let name = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    let address: SocketAddress
    do {
      address = try SocketAddress.makeAddressResolvingHost(host, port: port)
    } catch {
      throw ListenError(address: name, reason: "the host cannot be resolved")
    }
    #if canImport(Glibc)
    let type = CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue)
    #else
    let type = SOCK_STREAM
    #endif
    let descriptor = socket(CInt(address.protocol.rawValue), type, 0)
    guard descriptor >= 0 else { throw ListenError(address: name, errno: errno) }
    var one: CInt = 1
    var failure: CInt = 0
    if setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size)) != 0 {
      failure = errno
    } else if sharePort,
      setsockopt(descriptor, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<CInt>.size)) != 0
    {
      failure = errno
    } else if address.withSockAddr({ systemBind(descriptor, $0, socklen_t($1)) }) != 0 {
      failure = errno
    } else if listen(descriptor, backlog) != 0 {
      failure = errno
    }
    guard failure == 0 else {
      close(descriptor)
      throw ListenError(address: name, errno: failure)
    }
    return descriptor
  }
}

#if canImport(Glibc)
private let systemBind = Glibc.bind
#else
private let systemBind = Darwin.bind
#endif

/// Why a listening input cannot listen, in plain words: the address and the cause.
public struct ListenError: Error, Sendable, Hashable, CustomStringConvertible {
  /// `host:port`.
  public var address: String
  /// The cause: `the address is in use (EADDRINUSE)`.
  public var reason: String

  /// A failure to listen at `address` for `reason`.
  public init(address: String, reason: String) {
    self.address = address
    self.reason = reason
  }

  /// A failure to listen at `address` with the system's error number.
  init(address: String, errno: CInt) {
    let reason: String
    switch errno {
    case EADDRINUSE: reason = "the address is in use (EADDRINUSE): another program listens there"
    case EACCES: reason = "permission denied (EACCES): ports below 1024 need privileges"
    case EADDRNOTAVAIL: reason = "no interface of this machine has that address (EADDRNOTAVAIL)"
    default: reason = SystemError.describe(errno: errno)
    }
    self.init(address: address, reason: reason)
  }

  /// A failure to listen at `address` because of `error`, from a system call or SwiftNIO:
  /// an errno in words (its name, and what it means here), never NIO's description.
  init(address: String, error: any Error) {
    switch error {
    case let error as ListenError: self = error
    case let error as IOError: self.init(address: address, errno: error.errnoCode)
    default: self.init(address: address, reason: SystemError.describe(error))
    }
  }

  /// `cannot listen on 127.0.0.1:5000: the address is in use (EADDRINUSE): …`.
  public var description: String { "cannot listen on \(address): \(reason)" }
}
