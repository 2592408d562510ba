import Synchronization

/// A socket's listener, from ``Socket/listen(_:)``: accepts peers at its address until it, or
/// its socket, closes (as nng's `nng_listener`).
///
/// Closing it stops listening and closes the pipes it accepted; the socket keeps its other
/// listeners, dialers and pipes, and keeps working.
public final class Listener: Endpoint {
  private let listener: any TransportListener
  private let closed = Atomic<Bool>(false)

  init(_ listener: any TransportListener) {
    self.listener = listener
  }

  /// The address listened on; for port 0, with the port chosen.
  public var address: Address { listener.address }

  /// Whether ``close()`` was called.
  public var isClosed: Bool { closed.load(ordering: .acquiring) }

  /// Stops listening and closes the pipes this listener accepted. Closing twice does nothing.
  public func close() {
    guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
    listener.close()
  }
}
