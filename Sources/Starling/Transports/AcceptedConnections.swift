import struct StarlingChannels.Lock

/// The connections an in-memory listener (inproc's, the virtual network's) has accepted, to
/// close when it closes. Once closed it takes no more, so a connection that races the close is
/// refused instead of left open.
struct AcceptedConnections<Connection: AnyObject & Sendable>: Sendable {
  private let state = Lock<(closed: Bool, open: [ObjectIdentifier: Connection])>.make((false, [:]))
  private let isOpen: @Sendable (Connection) -> Bool

  /// - Parameter isOpen: whether a kept connection is still open; closed ones are dropped when
  ///   a new one is added.
  init(isOpen: @escaping @Sendable (Connection) -> Bool) {
    self.isOpen = isOpen
  }

  /// Keeps `connection`. Returns `false` once ``close()`` was called.
  func add(_ connection: Connection) -> Bool {
    state.withLock { state in
      guard !state.closed else { return false }
      state.open = state.open.filter { isOpen($0.value) }
      state.open[ObjectIdentifier(connection)] = connection
      return true
    }
  }

  /// Takes no more connections, and returns those kept for the caller to close (outside the
  /// lock: closing one calls into sockets).
  func close() -> [Connection] {
    state.withLock { state in
      state.closed = true
      defer { state.open = [:] }
      return Array(state.open.values)
    }
  }
}
