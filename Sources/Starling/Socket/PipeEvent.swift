/// A pipe (one connection after its handshake), as pipe events and filters see it.
public struct PipeInfo: Sendable, Hashable, CustomStringConvertible {
  /// The pipe's identifier; a message received on it carries it as ``Message/pipe``.
  public let id: PipeID
  /// The transport: `tcp`, `ipc`, `inproc` …
  public let transport: String
  /// The peer's address as the transport reports it.
  public let peer: String

  /// Describes a pipe.
  public init(id: PipeID, transport: String, peer: String) {
    self.id = id
    self.transport = transport
    self.peer = peer
  }

  /// `pipe#N (tcp, 127.0.0.1:5555)`.
  public var description: String { "\(id) (\(transport), \(peer))" }

  init(_ pipe: any PipeConnection) {
    self.init(id: pipe.id, transport: pipe.transportName, peer: pipe.peerDescription)
  }
}

/// A pipe joining or leaving a socket, from ``Socket/pipeEvents()``.
///
/// For each pipe, `added` always comes before `removed`, and events come in the order the socket
/// saw them.
public enum PipeEvent: Sendable, Hashable {
  /// A pipe finished its handshake, passed the socket's ``Socket/pipeFilter`` and the protocol's
  /// checks, and is in use.
  case added(PipeInfo)
  /// A pipe is gone; `reason` says why when it was not an orderly close.
  case removed(PipeInfo, reason: SPError?)

  /// The pipe the event is about.
  public var pipe: PipeInfo {
    switch self {
    case .added(let pipe), .removed(let pipe, _): pipe
    }
  }
}
