import NIOCore

#if canImport(Glibc)
import Glibc
private let systemConnect = Glibc.connect
private let systemClose = Glibc.close
#elseif canImport(Darwin)
import Darwin
private let systemConnect = Darwin.connect
private let systemClose = Darwin.close
#endif

extension Address {
  /// The socket address to bind or connect to. A host name is resolved here, on the calling
  /// thread.
  package func socketAddress() throws(SPError) -> SocketAddress {
    do {
      switch transport {
      case .ipc:
        return try SocketAddress(unixDomainSocketPath: socketPath)
      case .tcp, .tls, .ws, .wss, .http, .https:
        let host = self.host ?? (family == .v6 ? "::" : "0.0.0.0")
        if let literal = try? SocketAddress(ipAddress: host, port: port) {
          return literal
        }
        let resolved = try SocketAddress.makeAddressResolvingHost(host, port: port)
        switch (family, resolved.protocol) {
        case (.v4, .inet6), (.v6, .inet):
          throw SPError.invalidAddress(
            url, reason: "\(host) does not resolve to the family the scheme asks for")
        default:
          return resolved
        }
      default:
        throw SPError.unsupportedTransport(scheme)
      }
    } catch let error as SPError {
      throw error
    } catch {
      throw .invalidAddress(url, reason: "\(error)")
    }
  }

  /// Whether ``socketAddress()`` must look the host up (it is a name, not an IP address).
  package var needsLookup: Bool {
    guard transport != .ipc, transport != .inproc, let host else { return false }
    return (try? SocketAddress(ipAddress: host, port: 0)) == nil
  }

  /// The address with `port` in place of its own (and its path kept): what a listener asked for
  /// port 0 is bound to. Addresses without a port are returned unchanged.
  package func replacingPort(_ port: Int) -> Address {
    let hasPath: Bool
    switch transport {
    case .tcp, .tls: hasPath = false
    case .ws, .wss, .http, .https: hasPath = true
    case .inproc, .ipc, .custom: return self
    }
    guard port != self.port else { return self }
    let host = urlHost ?? (family == .v6 ? "[::]" : "0.0.0.0")
    return (try? Address("\(scheme)://\(host):\(port)\(hasPath ? path : "")")) ?? self
  }

  /// Removes an ipc socket file nothing answers on; a live one means the address is in use.
  package func removeStaleSocketFile() throws(SPError) {
    var status = stat()
    guard stat(path, &status) == 0 else { return }
    guard status.st_mode & S_IFMT == S_IFSOCK else {
      throw .addressInUse("\(url): \(path) exists and is not a socket")
    }
    #if canImport(Glibc)
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_UNIX, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { return }
    defer { _ = systemClose(fd) }
    guard let target = try? SocketAddress(unixDomainSocketPath: path) else { return }
    let connected = target.withSockAddr { pointer, length in
      systemConnect(fd, pointer, socklen_t(length)) == 0
    }
    if connected { throw .addressInUse(url) }
    unlink(path)
  }
}
