#if os(Linux)
import Glibc

/// Unix sockets in Linux's abstract namespace, made by hand.
///
/// nng addresses an abstract socket with exactly `sizeof(sun_family) + 1 + name length` bytes
/// of address: the name is not padded. NIO's `SocketAddress(unixDomainSocketPath:)` passes the
/// whole `sockaddr_un`, NUL-padded, which names a different socket; so these sockets are made
/// here and handed to NIO as descriptors.
enum AbstractSocket {
  /// A socket connected to the abstract name.
  static func connect(_ address: Address) throws(SPError) -> CInt {
    let fd = try makeSocket(address)
    let result = withAddress(address.path) { pointer, length in Glibc.connect(fd, pointer, length) }
    guard result == 0 else {
      let error = errno
      _ = Glibc.close(fd)
      if error == ECONNREFUSED || error == ENOENT { throw .connectionRefused(address.url) }
      throw .connectionFailed("\(address.url): \(String(cString: strerror(error)))")
    }
    return fd
  }

  /// A socket bound to the abstract name and listening.
  static func bind(_ address: Address) throws(SPError) -> CInt {
    let fd = try makeSocket(address)
    let bound = withAddress(address.path) { pointer, length in Glibc.bind(fd, pointer, length) }
    guard bound == 0, Glibc.listen(fd, 128) == 0 else {
      let error = errno
      _ = Glibc.close(fd)
      if error == EADDRINUSE { throw .addressInUse(address.url) }
      throw .connectionFailed("\(address.url): \(String(cString: strerror(error)))")
    }
    return fd
  }

  private static func makeSocket(_ address: Address) throws(SPError) -> CInt {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw .connectionFailed("\(address.url): \(String(cString: strerror(errno)))") }
    return fd
  }

  /// Calls `body` with `sockaddr_un { AF_UNIX, "\0" + name }` and its exact length.
  private static func withAddress(
    _ name: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> CInt
  ) -> CInt {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(name.utf8)
    withUnsafeMutableBytes(of: &address.sun_path) { path in
      path[0] = 0
      for (index, byte) in bytes.enumerated() { path[index + 1] = byte }
    }
    let length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count)
    return withUnsafePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
    }
  }
}
#endif
