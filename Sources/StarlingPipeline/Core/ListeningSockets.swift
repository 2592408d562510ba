import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The listening TCP sockets of a process's pipelines, which one pipeline can hand to the
/// next: `starling run` passes the same `ListeningSockets` to a pipeline and to the one that
/// replaces it when the config is reloaded.
///
/// A listening input (`input.tcp`, `input.http`) opens its socket here. When it stops, the
/// socket is closed, unless the sockets are held (``hold()``): then it stays open, and a
/// listening input of the next pipeline that listens on the same address (as the config
/// writes it: `127.0.0.1:0` keeps its port) takes it over instead of binding again. Clients
/// connecting in between wait in the socket's backlog: none is refused, and none that had
/// connected is reset.
///
/// ```swift
/// let listeners = ListeningSockets()
/// let old = try Pipeline(config: config, listeners: listeners)
/// // … later, to replace it:
/// listeners.hold()
/// old.stop()
/// await old.inputsStopped()
/// let new = try Pipeline(config: newConfig, listeners: listeners)
/// try await new.start()
/// listeners.releaseUnclaimed()
/// ```
public final class ListeningSockets: Sendable {
  /// Whether listening sockets set `SO_REUSEPORT`, so that several processes listen on one
  /// port and the system spreads the connections over them (`starling run --instances`).
  public let sharePorts: Bool

  private struct Entry {
    var descriptor: CInt
    var inUse: Bool
  }

  private struct State {
    var entries: [String: Entry] = [:]
    var holding = false
  }

  private let state = Mutex(State())

  /// Sockets for the pipelines of one process.
  ///
  /// - Parameter sharePorts: set `SO_REUSEPORT` on every listening socket.
  public init(sharePorts: Bool = false) {
    self.sharePorts = sharePorts
  }

  deinit {
    state.withLock { state in
      for entry in state.entries.values { close(entry.descriptor) }
    }
  }

  /// Keeps the sockets that listening inputs let go open, for the next pipeline to take, until
  /// ``releaseUnclaimed()``.
  public func hold() {
    state.withLock { $0.holding = true }
  }

  /// Closes the sockets held since ``hold()`` that no listening input took again, and closes
  /// sockets as they are let go from now on.
  public func releaseUnclaimed() {
    let closing = state.withLock { state -> [CInt] in
      state.holding = false
      let unclaimed = state.entries.filter { !$0.value.inUse }
      for key in unclaimed.keys { state.entries[key] = nil }
      return unclaimed.values.map(\.descriptor)
    }
    for descriptor in closing { close(descriptor) }
  }

  /// A listening socket for `host:port`: the one a previous pipeline let go while the sockets
  /// were held, or a new one bound and listening.
  ///
  /// - Returns: a lease whose ``Lease/descriptor`` is a descriptor of the socket that the
  ///   caller owns (NIO's `ServerBootstrap.bind(_:)` takes it over); call ``Lease/release()``
  ///   once it is closed.
  /// - Throws: ``ListenError`` naming the address and the cause (in use, cannot be resolved,
  ///   permission denied …).
  package func open(host: String, port: Int) throws(ListenError) -> Lease {
    let key = "\(host):\(port)"
    let taken = state.withLock { state -> CInt? in
      guard let entry = state.entries[key], !entry.inUse else { return nil }
      state.entries[key]!.inUse = true
      return entry.descriptor
    }
    if let taken {
      return Lease(owner: self, key: key, descriptor: try Self.duplicate(taken, address: key))
    }
    let descriptor = try ListeningSocket.open(host: host, port: port, sharePort: sharePorts)
    let copy: CInt
    do {
      copy = try Self.duplicate(descriptor, address: key)
    } catch {
      close(descriptor)
      throw error
    }
    let clash = state.withLock { state -> Bool in
      if state.entries[key] != nil { return true }
      state.entries[key] = Entry(descriptor: descriptor, inUse: true)
      return false
    }
    if clash {
      // Two inputs of one process on the same address: only possible with sharePorts.
      close(copy)
      close(descriptor)
      throw ListenError(address: key, reason: "another input of this process listens there")
    }
    return Lease(owner: self, key: key, descriptor: copy)
  }

  private static func duplicate(_ descriptor: CInt, address: String) throws(ListenError) -> CInt {
    let copy = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
    guard copy >= 0 else { throw ListenError(address: address, errno: errno) }
    return copy
  }

  fileprivate func release(_ key: String) {
    let closing = state.withLock { state -> CInt? in
      guard let entry = state.entries[key] else { return nil }
      if state.holding {
        state.entries[key]!.inUse = false
        return nil
      }
      state.entries[key] = nil
      return entry.descriptor
    }
    if let closing { close(closing) }
  }

  /// One listening input's use of a socket.
  package struct Lease: Sendable {
    fileprivate let owner: ListeningSockets
    fileprivate let key: String
    /// A descriptor of the bound, listening socket, for the input to own and close.
    package let descriptor: CInt

    /// Lets the socket go: it is closed, or kept for the next pipeline while the sockets are
    /// held. Call it once, after closing ``descriptor``.
    package func release() {
      owner.release(key)
    }
  }
}
