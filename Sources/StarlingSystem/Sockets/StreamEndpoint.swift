import NIOCore
import NIOPosix
import StarlingNetwork

/// What connecting and listening share: which addresses a byte stream takes, their TLS, their
/// resolution off the cooperative pool, and putting a ``ByteStream`` on a new channel.
enum StreamEndpoint {
  /// The socket options of a stream's TCP connection: no Nagle delay (line protocols answer
  /// each line).
  static let tcpOptions: [StreamBootstrap.Option] = [(ChannelOptions.socketOption(.tcp_nodelay), 1)]

  /// Parses `url` as a byte stream address: `tcp://`, `tcp4://`, `tcp6://`, `tls+tcp://` (and
  /// its 4 and 6 forms), `ipc://`, `unix://`, `abstract://`.
  static func address(_ url: String) throws(SPError) -> Address {
    let address = try Address(url)
    switch address.transport {
    case .tcp, .tls, .ipc:
      return address
    case .inproc, .ws, .wss, .http, .https, .custom:
      throw .invalidAddress(
        url, reason: "a byte stream uses tcp://, tls+tcp://, ipc:// or unix://, not \(address.scheme)://")
    }
  }

  /// The TLS context for `address`: built from `options` (or the defaults) for `tls+tcp://`;
  /// none for plain addresses, where TLS options are a mistake worth saying.
  static func tls(
    _ options: TLSOptions?, for address: Address, role: TLSContext.Role
  ) throws(SPError)
    -> TLSContext?
  {
    guard address.transport == .tls else {
      guard options == nil else {
        throw .invalidAddress(
          address.url, reason: "TLS options given for a plain \(address.scheme):// address; use tls+tcp://")
      }
      return nil
    }
    return try TLSContext(options ?? TLSOptions(), role: role, address: address)
  }

  /// The socket address to connect to or bind, a host name looked up on the thread pool.
  static func resolve(_ address: Address) async throws -> SocketAddress {
    guard address.needsLookup else { return try address.socketAddress() }
    return try await ThreadPool.shared.run { try address.socketAddress() }
  }

  /// Puts a new ``ByteStream`` on `channel`, which must be on its event loop, not yet active
  /// or just so. `ready` completes when it can be used (after the TLS handshake, with `tls`).
  /// If it throws, `ready` has failed.
  static func attach(to channel: any Channel, ready: EventLoopPromise<Void>?, tls: Bool) throws -> ByteStream
  {
    let storage = ByteStreamStorage(channel: channel)
    do {
      try channel.syncOptions?.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
      try channel.pipeline.syncOperations.addHandler(
        ByteStreamHandler(storage: storage, ready: ready, waitsForHandshake: tls))
    } catch {
      ready?.fail(error)
      throw error
    }
    return ByteStream(storage: storage)
  }
}
