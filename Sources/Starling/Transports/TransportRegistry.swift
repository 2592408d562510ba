import NIOCore
import NIOPosix

import struct StarlingChannels.Lock

/// The transports a socket can dial and listen with, by scheme, and the NIO event loop group
/// the NIO-based ones run on: ``SocketOptions/transports``.
///
/// ``standard`` has Starling's own transports on NIO's shared group. A registry of your own
/// can run them on another group, or add transports:
///
/// ```swift
/// let transports = TransportRegistry(eventLoopGroup: group)
/// transports.register(MyTransport())
/// var options = SocketOptions()
/// options.transports = transports
/// ```
public final class TransportRegistry: Sendable {
  /// Starling's transports on `MultiThreadedEventLoopGroup.singleton`: the default of every
  /// socket. Transports registered here serve every socket that keeps the default.
  public static let standard = TransportRegistry()

  /// Starling's own transports: `inproc` (one namespace for the process), `tcp` (`tcp4`,
  /// `tcp6`), `ipc` (`unix`, `abstract`), `tls+tcp` (`tls+tcp4`, `tls+tcp6`), `ws`, `wss`, and
  /// `virtual` on no host, which refuses until ``VirtualHost/place(_:)`` gives a socket its
  /// host's (<doc:VirtualNetwork>).
  public static var builtIn: [any Transport] {
    [InprocTransport.shared, StreamTransport(), WebSocketTransport(), VirtualTransport(host: nil)]
  }

  /// The event loop group the NIO-based transports run their connections on.
  public let eventLoopGroup: any EventLoopGroup
  private let transports: Lock<[String: any Transport]>

  /// A registry of `transports` whose NIO connections run on `eventLoopGroup`.
  ///
  /// - Parameters:
  ///   - eventLoopGroup: the group for NIO-based transports; NIO's shared group by default.
  ///     The registry does not shut it down.
  ///   - transports: the transports; a later one takes a scheme from an earlier one.
  public init(
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
    transports: [any Transport] = TransportRegistry.builtIn
  ) {
    self.eventLoopGroup = eventLoopGroup
    var byScheme: [String: any Transport] = [:]
    for transport in transports {
      for scheme in transport.schemes { byScheme[scheme.lowercased()] = transport }
    }
    self.transports = Lock.make(byScheme)
  }

  private init(eventLoopGroup: any EventLoopGroup, byScheme: [String: any Transport]) {
    self.eventLoopGroup = eventLoopGroup
    transports = Lock.make(byScheme)
  }

  /// A new registry with this one's event loop group and transports, and `transport` in place
  /// of any that served its schemes. This registry is unchanged.
  func replacing(with transport: any Transport) -> TransportRegistry {
    let copy = TransportRegistry(eventLoopGroup: eventLoopGroup, byScheme: transports.withLock { $0 })
    copy.register(transport)
    return copy
  }

  /// Adds `transport` for each of its schemes, in place of any transport that served them;
  /// dials and listens from now on use it.
  public func register(_ transport: any Transport) {
    transports.withLock { transports in
      for scheme in transport.schemes { transports[scheme.lowercased()] = transport }
    }
  }

  /// Removes the transport serving `scheme` (for that scheme only). Endpoints it made keep
  /// running until closed.
  public func unregister(scheme: String) {
    _ = transports.withLock { $0.removeValue(forKey: scheme.lowercased()) }
  }

  /// The transport serving `scheme`, if any.
  public func transport(for scheme: String) -> (any Transport)? {
    transports.withLock { $0[scheme.lowercased()] }
  }

  /// The schemes served, sorted.
  public var schemes: [String] {
    transports.withLock { $0.keys.sorted() }
  }

  /// The transport for `url`'s scheme, the address it parses, and the context to use it in.
  ///
  /// - Throws: ``SPError/unsupportedTransport(_:)`` when no transport serves the scheme;
  ///   ``SPError/invalidAddress(_:reason:)``.
  func resolve(_ url: String) throws(SPError) -> (any Transport, Address, TransportContext) {
    let scheme = try Address.scheme(of: url)
    guard let transport = transport(for: scheme) else { throw .unsupportedTransport(scheme) }
    return (transport, try transport.address(url), TransportContext(registry: self))
  }
}

/// What a transport is given beside the socket: the event loop group to run NIO connections
/// on, and the registry it was found in (to reach the transports it wraps).
public struct TransportContext: Sendable {
  /// The registry the transport was found in.
  public let registry: TransportRegistry

  /// A context for using transports of `registry`.
  public init(registry: TransportRegistry) {
    self.registry = registry
  }

  /// The event loop group for NIO connections: the registry's.
  public var eventLoopGroup: any EventLoopGroup { registry.eventLoopGroup }
}
