import struct StarlingChannels.Lock

/// One end of a virtual connection, as its socket sees it: the same kind of pipe as inproc's.
final class VirtualPipe: PipeConnection {
  let id = PipeID.next()
  let transportName = "virtual"
  /// The other end's host, as `virtual://HOST`.
  let peerDescription: String
  let owner: any PipeOwner
  let side: VirtualNetworkStateMachine.Side
  /// The connection, until this end leaves it (which breaks the reference cycle).
  private let connectionState = Lock<VirtualConnection?>.make(nil)

  init(owner: any PipeOwner, side: VirtualNetworkStateMachine.Side, peerHost: String) {
    self.owner = owner
    self.side = side
    peerDescription = "virtual://\(peerHost)"
  }

  var connection: VirtualConnection? {
    get { connectionState.withLock { $0 } }
    set { connectionState.withLock { $0 = newValue } }
  }

  func write(_ message: Message) {
    connection?.send(message, from: side)
  }

  func readingChanged() {
    connection?.stream(into: side).readingChanged()
  }

  /// Closes in order: what this end sent still arrives, then the other end closes.
  func close() {
    connection?.close(from: side)
  }

  /// The other end closed, and everything it sent before has arrived.
  func closeArrived() {
    connection?.close(from: side)
  }

  /// Tells the socket this end is gone and leaves the connection.
  func detach(reason: SPError?) {
    owner.detach(id, reason: reason)
    connection = nil
  }
}
