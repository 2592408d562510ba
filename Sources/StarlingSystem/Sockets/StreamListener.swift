import Logging
import NIOCore
import NIOPosix
import StarlingNetwork

import struct StarlingChannels.Lock
import class StarlingChannels.SelectWaiter
import protocol StarlingChannels.SelectableSource

/// Listens for stream connections and hands each over as a ``ByteStream``.
///
/// ```swift
/// let listener = try await StreamListener.listen("tcp://127.0.0.1:0")
/// print(listener.address)  // tcp://127.0.0.1:41523, the port the system chose
/// for try await connection in listener.connections {
///   Task {
///     for try await line in connection.lines { try await connection.write(line + "\n") }
///   }
/// }
/// ```
///
/// Accepted connections wait in a queue of `backlog` until taken; while it is full, no more
/// are accepted (the system's listen queue holds them). A TLS connection is handed over once
/// its handshake has succeeded; one that fails is logged with the reason and closed.
///
/// A listener is also a `select` case beside channels: `onReceive(listener) { connection in … }`
/// gets the next connection, or `nil` once the listener is closed.
///
/// Closing the listener stops accepting, closes the connections not yet taken, ends
/// ``connections`` and, for a Unix socket, removes its file. Connections already taken are
/// the taker's. Dropping the last reference closes it.
public final class StreamListener: SelectableSource, Sendable {
  /// What a `select` case gets: the next connection, or `nil` once the listener is closed.
  public typealias Output = ByteStream?

  /// The address listened on; with port 0, the port the system chose.
  public let address: Address

  private let channel: any Channel
  private let queue: ElementQueue<ByteStream>
  /// The Unix socket file this listener made, removed when it closes.
  private let socketFile: UnixSocketFile?
  private let closed = Lock.make(false)

  private init(address: Address, channel: any Channel, queue: ElementQueue<ByteStream>) {
    self.address = address
    self.channel = channel
    self.queue = queue
    self.socketFile =
      address.transport == .ipc && !address.isAbstract ? UnixSocketFile(path: address.path) : nil
  }

  deinit {
    close()
  }

  /// Listens at `url`.
  ///
  /// - Parameters:
  ///   - url: `tcp://127.0.0.1:0` (port 0: the system picks), `tcp://*:7000` (every
  ///     interface), `tcp://[::1]:0`, `tls+tcp://…` (with `tls`), `ipc:///path` or
  ///     `unix:///path` (a stale socket file is replaced), `abstract://name` on Linux.
  ///   - tls: for `tls+tcp://`, the certificate and key (required), and whether to ask for the
  ///     peer's.
  ///   - backlog: how many accepted connections may wait to be taken.
  ///   - logger: where failed TLS handshakes are reported.
  /// - Throws: `SPError`: `invalidAddress`, `addressInUse`, `tlsFailed` for unusable TLS
  ///   options.
  public static func listen(
    _ url: String, tls: TLSOptions? = nil, backlog: Int = 128,
    logger: Logger = Logger(label: "starling.system")
  ) async throws -> StreamListener {
    let address = try StreamEndpoint.address(url)
    let context = try StreamEndpoint.tls(tls, for: address, role: .listener)
    let target = try await StreamEndpoint.resolve(address)
    let queue = ElementQueue<ByteStream>(capacity: backlog) { $0.close() }
    let withTLS = context != nil
    let channel = try await StreamBootstrap.bind(
      address, resolved: target, tls: context, options: StreamEndpoint.tcpOptions,
      group: MultiThreadedEventLoopGroup.singleton,
      initializeServer: { server in
        try server.pipeline.syncOperations.addHandler(ElementQueueGate(queue: queue))
      }
    ) { child in
      let ready = child.eventLoop.makePromise(of: Void.self)
      let stream = try StreamEndpoint.attach(to: child, ready: ready, tls: withTLS)
      ready.futureResult.whenComplete { result in
        switch result {
        case .success: queue.push(stream)
        case .failure(let error):
          let peer = child.remoteAddress.map { "\($0)" } ?? "a peer"
          logger.warning("\(address.url): connection from \(peer) failed: \(error)")
          stream.close()
        }
      }
    }
    queue.setChannel(channel)
    channel.closeFuture.whenComplete { _ in queue.finish() }
    let bound = address.replacingPort(channel.localAddress?.port ?? address.port)
    return StreamListener(address: bound, channel: channel, queue: queue)
  }

  /// The next connection; `nil` once the listener is closed.
  public func accept() async throws -> ByteStream? {
    try await queue.next()
  }

  /// The connections, as they are accepted; ends when the listener is closed.
  public var connections: Connections { Connections { try await self.accept() } }

  /// Takes an accepted connection for a `select`, if there is one (`.some(nil)`: closed).
  public func selectTryTake() -> ByteStream?? {
    queue.selectTryTake()
  }

  /// Keeps a waiting `select`'s case until a connection comes, or fires it at once.
  public func selectRegister(_ waiter: SelectWaiter<ByteStream?>) {
    queue.selectRegister(waiter)
  }

  /// Forgets a `select`'s case.
  public func selectDeregister(_ waiter: SelectWaiter<ByteStream?>) {
    queue.selectDeregister(waiter)
  }

  /// Stops listening (see the type's documentation for what closes with it).
  public func close() {
    let first = closed.withLock { closed in
      defer { closed = true }
      return !closed
    }
    guard first else { return }
    // The file goes while the socket still listens (see Starling's stream listener: a new
    // listener cannot take the path in between and lose its file to this removal).
    socketFile?.remove()
    channel.close(promise: nil)
    queue.close()
  }

  /// The connections of a ``StreamListener``, as an `AsyncSequence` of ``ByteStream``s.
  public typealias Connections = ReceiveSequence<ByteStream>
}
