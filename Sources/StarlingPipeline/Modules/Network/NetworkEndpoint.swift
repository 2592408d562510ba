import Foundation
import NIOCore

/// A `host:port` address from a network module's arguments (`127.0.0.1:5000`, `[::1]:80`,
/// `tcp://localhost:9000`), checked without any I/O.
struct NetworkEndpoint: Sendable, Hashable, CustomStringConvertible {
  /// The host name or IP address, without brackets.
  var host: String
  /// The port; 0 lets a listener pick one.
  var port: Int

  /// Parses `host:port`, with an optional `scheme://` in front that must be `scheme`.
  ///
  /// - Throws: ``PipelineError/invalidArgument(_:)`` naming the argument and what is wrong.
  init(_ text: String, argument: String, scheme: String) throws {
    var rest = Substring(text.trimmingCharacters(in: .whitespaces))
    if let marker = rest.range(of: "://") {
      let given = rest[..<marker.lowerBound].lowercased()
      guard given == scheme else {
        throw PipelineError.invalidArgument(
          "\(argument) '\(text)' has scheme \(given)://; this module speaks \(scheme)://")
      }
      rest = rest[marker.upperBound...]
    }
    let host: Substring
    let portText: Substring
    if rest.hasPrefix("[") {
      guard let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].hasPrefix(":") else {
        throw PipelineError.invalidArgument("\(argument) '\(text)' is not [ipv6]:port")
      }
      host = rest[rest.index(after: rest.startIndex)..<close]
      portText = rest[rest.index(close, offsetBy: 2)...]
    } else {
      guard let colon = rest.lastIndex(of: ":") else {
        throw PipelineError.invalidArgument("\(argument) '\(text)' has no port: write host:port")
      }
      host = rest[..<colon]
      portText = rest[rest.index(after: colon)...]
    }
    guard !host.isEmpty else {
      throw PipelineError.invalidArgument("\(argument) '\(text)' has no host: write host:port")
    }
    guard let port = Int(portText), (0...65535).contains(port) else {
      throw PipelineError.invalidArgument("\(argument) '\(text)' has no valid port (0-65535)")
    }
    self.host = String(host)
    self.port = port
  }

  /// `host:port`, with brackets around an IPv6 host.
  var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

  /// A socket address as `ip:port` (`[ip]:port` for IPv6), for headers and logs.
  static func describe(_ address: SocketAddress?) -> String {
    guard let address, let ip = address.ipAddress, let port = address.port else { return "unknown" }
    return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
  }
}
