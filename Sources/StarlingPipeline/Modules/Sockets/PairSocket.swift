import Starling

/// A pair0 or pair1 socket, as `input.pair` and `output.pair` choose by their `version`.
enum PairSocket: Sendable {
  /// pair0.
  case v0(Pair0)
  /// pair1 (monogamous).
  case v1(Pair1)

  /// A pair socket of version `"0"` or `"1"`.
  init(version: String, name: String) {
    self = version == "1" ? .v1(Pair1(name: name)) : .v0(Pair0(name: name))
  }

  /// Listens and dials as the endpoints say.
  func open(_ endpoints: SocketEndpoints, context: ModuleContext) async throws {
    switch self {
    case .v0(let socket): try await endpoints.open(socket, context: context)
    case .v1(let socket): try await endpoints.open(socket, context: context)
    }
  }

  /// Receives the next message.
  func receive() async throws -> Message {
    switch self {
    case .v0(let socket): return try await socket.receive()
    case .v1(let socket): return try await socket.receive()
    }
  }

  /// Sends a message, waiting while there is no peer or it is busy.
  func send(_ message: Message) async throws {
    switch self {
    case .v0(let socket): try await socket.send(message)
    case .v1(let socket): try await socket.send(message)
    }
  }

  /// Closes the socket once its connections delivered what they hold (see `Socket.close(linger:)`).
  func close(linger: Duration) async {
    switch self {
    case .v0(let socket): await socket.close(linger: linger)
    case .v1(let socket): await socket.close(linger: linger)
    }
  }
}
