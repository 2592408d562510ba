#if canImport(Glibc)
import Glibc
private let systemSocket = Glibc.socket
private let systemBind = Glibc.bind
private let systemConnect = Glibc.connect
private let systemListen = Glibc.listen
private let systemClose = Glibc.close
private let streamType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
#elseif canImport(Darwin)
import Darwin
private let systemSocket = Darwin.socket
private let systemBind = Darwin.bind
private let systemConnect = Darwin.connect
private let systemListen = Darwin.listen
private let systemClose = Darwin.close
private let streamType = SOCK_STREAM
#endif

/// Unix domain sockets made by hand and handed to NIO as descriptors.
///
/// - A listening socket is bound here for every ipc address: NIO unlinks the socket file of a
///   server channel it bound itself when that channel closes, which happens after
///   ``Address``'s listener has returned from closing — by then a new listener may own the path,
///   and its file would vanish. Bound here, the file is the listener's to remove, at once.
/// - Linux's abstract namespace: nng addresses an abstract socket with exactly
///   `sizeof(sun_family) + 1 + name length` bytes of address, the name not padded. NIO's
///   `SocketAddress(unixDomainSocketPath:)` passes the whole `sockaddr_un`, NUL-padded, which
///   names a different socket.
package enum UnixSocket {
  /// A socket connected to the abstract name of `address`.
  package static func connect(_ address: Address) throws(SPError) -> CInt {
    let fd = try makeSocket(address)
    let result = try withAddress(address) { pointer, length in systemConnect(fd, pointer, length) }
    guard result == 0 else {
      let error = errno
      _ = systemClose(fd)
      if error == ECONNREFUSED || error == ENOENT { throw .connectionRefused(address.url) }
      throw .connectionFailed("\(address.url): \(String(cString: strerror(error)))")
    }
    return fd
  }

  /// A socket bound to `address` (a path or an abstract name) and listening.
  package static func bind(_ address: Address) throws(SPError) -> CInt {
    let fd = try makeSocket(address)
    let bound = try withAddress(address) { pointer, length in systemBind(fd, pointer, length) }
    guard bound == 0, systemListen(fd, 128) == 0 else {
      let error = errno
      _ = systemClose(fd)
      if error == EADDRINUSE { throw .addressInUse(address.url) }
      throw .connectionFailed("\(address.url): \(String(cString: strerror(error)))")
    }
    return fd
  }

  private static func makeSocket(_ address: Address) throws(SPError) -> CInt {
    let fd = systemSocket(AF_UNIX, streamType, 0)
    guard fd >= 0 else { throw .connectionFailed("\(address.url): \(String(cString: strerror(errno)))") }
    return fd
  }

  /// Calls `body` with the `sockaddr_un` of `address` and its length: for a path, the path and
  /// its NUL; for an abstract name, a NUL and the name, unpadded.
  private static func withAddress(
    _ address: Address, _ body: (UnsafePointer<sockaddr>, socklen_t) -> CInt
  ) throws(SPError) -> CInt {
    var storage = sockaddr_un()
    storage.sun_family = sa_family_t(AF_UNIX)
    let bytes = address.isAbstract ? [0] + Array(address.path.utf8) : Array(address.path.utf8) + [0]
    let capacity = MemoryLayout.size(ofValue: storage.sun_path)
    guard bytes.count <= capacity else {
      throw .invalidAddress(
        address.url, reason: "the path is longer than the \(capacity) bytes a socket address holds")
    }
    withUnsafeMutableBytes(of: &storage.sun_path) { path in
      path.copyBytes(from: bytes)
    }
    let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count
    return withUnsafePointer(to: &storage) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(length)) }
    }
  }
}
