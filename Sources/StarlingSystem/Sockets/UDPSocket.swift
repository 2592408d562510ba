import NIOCore
import NIOPosix
import StarlingNetwork

import class StarlingChannels.SelectWaiter
import protocol StarlingChannels.SelectableSource

/// A UDP socket: send datagrams to any address, receive them from anyone.
///
/// ```swift
/// let socket = try await UDPSocket.bind("udp://127.0.0.1:0")
/// try await socket.send(ByteBuffer(string: "ping"), to: try SocketAddress(ipAddress: "127.0.0.1", port: 9999))
/// for try await datagram in socket.datagrams {
///   print(datagram.sender, String(buffer: datagram.data))
/// }
/// ```
///
/// Received datagrams wait in a queue of `bufferSize` until read; while it is full the socket
/// is not read, and the system drops what no longer fits its own buffer (UDP promises nothing
/// more). Errors are `SPError`s, as for Starling's sockets.
///
/// A socket is also a `select` case beside channels: `onReceive(socket) { datagram in … }`
/// gets the next datagram, or `nil` once the socket is closed; a datagram that arrives for a
/// select that fired through another case stays for the next receive.
public final class UDPSocket: SelectableSource, Sendable {
  /// What a `select` case gets: the next datagram, or `nil` once the socket is closed.
  public typealias Output = Datagram?

  /// The largest datagram UDP over IPv4 carries.
  public static let maxDatagramSize = 65507

  /// The address the socket is bound to (with the port the system chose for port 0).
  public let localAddress: SocketAddress

  private let channel: any Channel
  private let queue: ElementQueue<Datagram>

  private init(channel: any Channel, localAddress: SocketAddress, queue: ElementQueue<Datagram>) {
    self.channel = channel
    self.localAddress = localAddress
    self.queue = queue
  }

  deinit {
    close()
  }

  /// Binds a socket at `url`.
  ///
  /// - Parameters:
  ///   - url: `udp://host:port`, as a tcp address is written: `udp://127.0.0.1:0` (port 0: the
  ///     system picks), `udp://*:5353` (every IPv4 interface), `udp://[::1]:0`, `udp6://[::]:0`.
  ///   - reuseAddress: let other sockets bind the same port (`SO_REUSEADDR`), as multicast
  ///     listeners do.
  ///   - bufferSize: how many received datagrams wait to be read.
  /// - Throws: `SPError`: ``SPError/invalidAddress(_:reason:)``, ``SPError/addressInUse(_:)``.
  public static func bind(
    _ url: String, reuseAddress: Bool = false, bufferSize: Int = 256
  ) async throws
    -> UDPSocket
  {
    let address = try parse(url)
    let target = try await StreamEndpoint.resolve(address)
    let queue = ElementQueue<Datagram>(capacity: bufferSize)
    let channel: any Channel
    do {
      channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelOption(.socketOption(.so_reuseaddr), value: reuseAddress ? 1 : 0)
        .channelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandlers([
              ElementQueueGate(queue: queue), DatagramHandler(queue: queue),
            ])
          }
        }
        .bind(to: target).get()
    } catch {
      switch SPError.describing(error) {
      case .addressInUse: throw SPError.addressInUse(url)
      case let failure: throw failure
      }
    }
    guard let local = channel.localAddress else {
      channel.close(promise: nil)
      throw SPError.connectionFailed("\(url): the bound socket has no address")
    }
    queue.setChannel(channel)
    return UDPSocket(channel: channel, localAddress: local, queue: queue)
  }

  /// Sends `data` as one datagram to `destination`.
  ///
  /// - Throws: ``SPError/messageTooLarge(size:limit:)`` for more than ``maxDatagramSize``
  ///   bytes, ``SPError/closed``, ``SPError/connectionFailed(_:)`` naming what the system
  ///   refused (an address of the other IP family, a network that cannot be reached).
  public func send(_ data: ByteBuffer, to destination: SocketAddress) async throws {
    guard data.readableBytes <= Self.maxDatagramSize else {
      throw SPError.messageTooLarge(size: data.readableBytes, limit: Self.maxDatagramSize)
    }
    let envelope = AddressedEnvelope(remoteAddress: destination, data: data)
    do {
      try await channel.writeAndFlush(envelope).cancellableValue()
    } catch is CancellationError {
      throw CancellationError()
    } catch let error as ChannelError where error == .ioOnClosedChannel || error == .alreadyClosed {
      throw SPError.closed
    } catch {
      throw SPError.connectionFailed("sending to \(destination): \(error)")
    }
  }

  /// Sends `bytes` as one datagram to `destination`.
  public func send(_ bytes: [UInt8], to destination: SocketAddress) async throws {
    try await send(ByteBuffer(bytes: bytes), to: destination)
  }

  /// The next datagram; `nil` once the socket is closed.
  public func receive() async throws -> Datagram? {
    try await queue.next()
  }

  /// The datagrams, as they arrive; ends when the socket is closed.
  public var datagrams: Datagrams { Datagrams { try await self.receive() } }

  /// Takes a queued datagram for a `select`, if there is one (`.some(nil)`: closed).
  public func selectTryTake() -> Datagram?? {
    queue.selectTryTake()
  }

  /// Keeps a waiting `select`'s case until a datagram comes, or fires it at once.
  public func selectRegister(_ waiter: SelectWaiter<Datagram?>) {
    queue.selectRegister(waiter)
  }

  /// Forgets a `select`'s case.
  public func selectDeregister(_ waiter: SelectWaiter<Datagram?>) {
    queue.selectDeregister(waiter)
  }

  /// Joins the multicast group `group` (such as `239.1.2.3` or `ff02::1:3`) on the interface
  /// named `interface` (such as `eth0`; `nil` for the system's choice), so that datagrams sent
  /// to the group reach this socket (bound to the group's port, on the group's IP family).
  ///
  /// - Throws: ``SPError/invalidAddress(_:reason:)`` for an address that is not a multicast
  ///   group or an unknown interface; ``SPError/connectionFailed(_:)`` if the system refuses.
  public func joinMulticastGroup(_ group: String, interface: String? = nil) async throws {
    let (address, device) = try Self.multicast(group, interface: interface)
    guard let multicast = channel as? any MulticastChannel else { throw SPError.closed }
    let promise = channel.eventLoop.makePromise(of: Void.self)
    multicast.joinGroup(address, device: device, promise: promise)
    do {
      try await promise.futureResult.cancellableValue()
    } catch is NIOMulticastNotSupportedError {
      throw SPError.invalidAddress(interface ?? group, reason: "the interface does not support multicast")
    } catch {
      throw SPError.connectionFailed("joining \(group): \(error)")
    }
  }

  /// Leaves a multicast group joined with ``joinMulticastGroup(_:interface:)``.
  public func leaveMulticastGroup(_ group: String, interface: String? = nil) async throws {
    let (address, device) = try Self.multicast(group, interface: interface)
    guard let multicast = channel as? any MulticastChannel else { throw SPError.closed }
    let promise = channel.eventLoop.makePromise(of: Void.self)
    multicast.leaveGroup(address, device: device, promise: promise)
    do {
      try await promise.futureResult.cancellableValue()
    } catch {
      throw SPError.connectionFailed("leaving \(group): \(error)")
    }
  }

  /// Closes the socket: a waiting ``receive()`` returns `nil`, datagrams not read are dropped.
  public func close() {
    channel.close(promise: nil)
    queue.close()
  }

  /// The datagrams of a ``UDPSocket``, as an `AsyncSequence`.
  public typealias Datagrams = ReceiveSequence<Datagram>

  /// A `udp://` URL as the tcp address it is written like (the same hosts, ports and errors).
  private static func parse(_ url: String) throws(SPError) -> Address {
    guard let separator = url.firstRange(of: "://") else {
      throw .invalidAddress(url, reason: "missing '://' after udp (e.g. udp://host:port)")
    }
    let scheme = url[..<separator.lowerBound].lowercased()
    guard ["udp", "udp4", "udp6"].contains(scheme) else {
      throw .invalidAddress(url, reason: "a UDP socket binds udp://, udp4:// or udp6://, not \(scheme)://")
    }
    do {
      return try Address("tcp" + scheme.dropFirst(3) + url[separator.lowerBound...])
    } catch .invalidAddress(_, let reason) {
      throw .invalidAddress(url, reason: reason)
    }
  }

  private static func multicast(
    _ group: String, interface: String?
  ) throws(SPError)
    -> (SocketAddress, NIONetworkDevice?)
  {
    guard let address = try? SocketAddress(ipAddress: group, port: 0) else {
      throw .invalidAddress(group, reason: "not an IP address")
    }
    let text = address.ipAddress ?? ""
    let isGroup =
      address.protocol == .inet
      ? (224...239).contains(Int(text.prefix { $0 != "." }) ?? 0) : text.lowercased().hasPrefix("ff")
    guard isGroup else { throw .invalidAddress(group, reason: "not a multicast group address") }
    guard let interface else { return (address, nil) }
    let devices = (try? System.enumerateDevices()) ?? []
    let family = address.protocol
    guard let device = devices.first(where: { $0.name == interface && $0.address?.protocol == family }) else {
      throw .invalidAddress(
        interface, reason: "no network interface of that name with an address of the group's family")
    }
    return (address, device)
  }
}
