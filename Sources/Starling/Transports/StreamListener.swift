import Logging
import NIOCore
import StarlingNetwork
import Synchronization

import struct StarlingChannels.Lock

/// A tcp, tls+tcp or ipc listener: accepts connections, each of which becomes a pipe after its
/// handshake. Closing it closes the connections it accepted and, for ipc, removes its socket
/// file.
final class StreamListener: TransportListener {
  /// The address actually bound (with the real port when 0 was asked for).
  let address: Address
  private let channel: Lock<(any Channel)?>
  private let accepted = Lock<[ObjectIdentifier: any Channel]>.make([:])
  /// The ipc socket file this listener made, removed when it closes.
  private let socketFile: UnixSocketFile?

  private init(address: Address, socketFile: UnixSocketFile?) {
    self.address = address
    self.socketFile = socketFile
    self.channel = Lock.make(nil)
  }

  static func listen(
    _ address: Address, owner: any PipeOwner, options: SocketOptions, tls: TLSContext?,
    logger: Logger, group: any EventLoopGroup
  ) async throws -> StreamListener {
    let registry = Lock<[ObjectIdentifier: any Channel]>.make([:])
    let holder = Lock<StreamListener?>.make(nil)
    let server = try await StreamTransport.bind(
      address, owner: owner, options: options, tls: tls, logger: logger, group: group
    ) {
      child in
      let id = ObjectIdentifier(child)
      guard let listener = holder.withLock({ $0 }) else {
        registry.withLock { $0[id] = child }
        return
      }
      listener.track(child)
    }
    let bound = address.replacingPort(server.localAddress?.port ?? address.port)
    let file = address.transport == .ipc && !address.isAbstract ? UnixSocketFile(path: address.path) : nil
    let listener = StreamListener(address: bound, socketFile: file)
    listener.channel.withLock { $0 = server }
    holder.withLock { $0 = listener }
    for child in registry.withLock({ $0.values }) { listener.track(child) }
    return listener
  }

  private func track(_ child: any Channel) {
    let id = ObjectIdentifier(child)
    accepted.withLock { $0[id] = child }
    child.closeFuture.whenComplete { [weak self] _ in
      _ = self?.accepted.withLock { $0.removeValue(forKey: id) }
    }
  }

  func close() {
    let server = channel.withLock { channel in
      defer { channel = nil }
      return channel
    }
    guard let server else { return }
    server.close(promise: nil)
    for child in accepted.withLock({ $0.values }) { child.close(promise: nil) }
    socketFile?.remove()
  }
}
