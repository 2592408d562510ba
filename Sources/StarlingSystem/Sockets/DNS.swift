import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Name lookups, off Swift's cooperative pool.
public enum DNS {
  /// The addresses of `host`, IPv4 and IPv6, in the order the system's resolver gives them
  /// (with port 0). An IP address is returned as itself.
  ///
  /// ```swift
  /// let addresses = try await DNS.resolve("localhost")  // [127.0.0.1, ::1] on most systems
  /// ```
  ///
  /// The lookup (`getaddrinfo`, which blocks) runs on ``ThreadPool/shared``; a task cancelled
  /// before it starts gets `CancellationError` and the lookup never runs.
  ///
  /// - Throws: ``DNSError``: ``DNSError/notFound(_:)`` for a name that does not exist,
  ///   ``DNSError/temporaryFailure(_:)`` when the resolver cannot answer now.
  public static func resolve(_ host: String) async throws -> [SocketAddress] {
    let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    guard !name.isEmpty, !name.utf8.contains(0) else { throw DNSError.notFound(host) }
    return try await ThreadPool.shared.run { () throws(DNSError) in try lookup(name, as: host) }
  }

  /// glibc's `EAI_NODATA` (a name with no address), which its header shows to GNU code only.
  private static let noData: Int32 = -5

  private static func lookup(_ name: String, as host: String) throws(DNSError) -> [SocketAddress] {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    #if canImport(Glibc)
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    #else
    hints.ai_socktype = SOCK_STREAM
    #endif
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(name, nil, &hints, &list)
    defer { if let list { freeaddrinfo(list) } }
    guard status == 0 else {
      switch status {
      case EAI_NONAME, EAI_FAMILY, noData: throw .notFound(host)
      case EAI_AGAIN: throw .temporaryFailure(host)
      default: throw .failed(host, reason: String(cString: gai_strerror(status)))
      }
    }
    var addresses: [SocketAddress] = []
    var entry = list
    while let info = entry?.pointee {
      entry = info.ai_next
      guard let pointer = info.ai_addr else { continue }
      let address: SocketAddress
      switch info.ai_family {
      case AF_INET:
        address = pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
          SocketAddress($0.pointee, host: host)
        }
      case AF_INET6:
        address = pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
          SocketAddress($0.pointee, host: host)
        }
      default:
        continue
      }
      if !addresses.contains(where: { $0.ipAddress == address.ipAddress }) { addresses.append(address) }
    }
    guard !addresses.isEmpty else { throw .notFound(host) }
    return addresses
  }
}

/// Why ``DNS/resolve(_:)`` found no address.
public enum DNSError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The name does not exist (or has no IPv4 or IPv6 address).
  case notFound(String)
  /// The resolver could not answer now; trying again later may work.
  case temporaryFailure(String)
  /// The lookup failed for the reason given.
  case failed(String, reason: String)

  /// What happened, in words.
  public var description: String {
    switch self {
    case .notFound(let host): "no address found for '\(host)'"
    case .temporaryFailure(let host): "the name server could not answer for '\(host)' now"
    case .failed(let host, let reason): "looking up '\(host)' failed: \(reason)"
    }
  }
}
