/// A transport's listener as a socket holds it: closed with the socket.
final class Listener: Endpoint {
  let listener: any TransportListener

  init(_ listener: any TransportListener) {
    self.listener = listener
  }

  /// The address bound: for port 0, with the port chosen.
  var address: Address { listener.address }

  func close() {
    listener.close()
  }
}
