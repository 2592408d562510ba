import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An ipc listener's socket file, bound by Starling rather than by NIO.
///
/// NIO unlinks a Unix listener's path when it closes the server socket it bound itself. That
/// close happens later, on the event loop, so a new listener bound at the same path in between
/// would have its fresh socket file deleted and live on unreachable. Binding the socket here
/// (NIO leaves a socket it was handed alone) lets the listener remove exactly the file it made:
/// the same device and inode, and nothing another listener made since.
struct UnixSocketFile: Sendable {
  /// The file's path.
  let path: String
  private let device: UInt64
  private let inode: UInt64

  /// Binds and listens on a new socket at `address`'s path; returns the descriptor and the file.
  /// A stale socket file nothing answers on is removed first; a live one is an address in use.
  static func bind(_ address: Address) throws(SPError) -> (descriptor: CInt, file: UnixSocketFile) {
    try removeStale(address)
    let target: SocketAddress
    do {
      target = try SocketAddress(unixDomainSocketPath: address.path)
    } catch {
      throw .invalidAddress(address.url, reason: "\(error)")
    }
    let fd = socket(AF_UNIX, streamSocketType, 0)
    guard fd >= 0 else { throw failure(address) }
    let bound = target.withSockAddr { pointer, length in Self.systemBind(fd, pointer, socklen_t(length)) }
    guard bound == 0, listen(fd, 128) == 0 else {
      let error = failure(address)
      _ = close(fd)
      throw error
    }
    var status = stat()
    guard stat(address.path, &status) == 0 else {
      let error = failure(address)
      _ = close(fd)
      throw error
    }
    let file = UnixSocketFile(
      path: address.path, device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    return (fd, file)
  }

  /// Removes the file if it is still the one this listener made.
  func remove() {
    var status = stat()
    guard stat(path, &status) == 0, UInt64(status.st_dev) == device, UInt64(status.st_ino) == inode
    else { return }
    unlink(path)
  }

  /// Removes an ipc socket file nothing answers on; a live one means the address is in use.
  static func removeStale(_ address: Address) throws(SPError) {
    var status = stat()
    guard stat(address.path, &status) == 0 else { return }
    guard status.st_mode & S_IFMT == S_IFSOCK else {
      throw .addressInUse("\(address.url): \(address.path) exists and is not a socket")
    }
    let fd = socket(AF_UNIX, streamSocketType, 0)
    guard fd >= 0 else { return }
    defer { _ = close(fd) }
    guard let target = try? SocketAddress(unixDomainSocketPath: address.path) else { return }
    let connected = target.withSockAddr { pointer, length in
      Self.systemConnect(fd, pointer, socklen_t(length)) == 0
    }
    if connected { throw .addressInUse(address.url) }
    unlink(address.path)
  }

  /// The error for the current `errno` while making the socket at `address`.
  private static func failure(_ address: Address) -> SPError {
    let code = errno
    if code == EADDRINUSE { return .addressInUse(address.url) }
    return .connectionFailed("\(address.url): \(String(cString: strerror(code)))")
  }

  #if canImport(Glibc)
  private static let systemBind = Glibc.bind
  private static let systemConnect = Glibc.connect
  #elseif canImport(Darwin)
  private static let systemBind = Darwin.bind
  private static let systemConnect = Darwin.connect
  #endif
}

#if canImport(Glibc)
private let streamSocketType = CInt(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue)
#elseif canImport(Darwin)
private let streamSocketType = SOCK_STREAM
#endif
