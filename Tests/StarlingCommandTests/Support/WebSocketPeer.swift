import StarlingHTTP
import Testing

/// A WebSocket client (StarlingHTTP's) for `input.websocket` pipelines.
enum WebSocketPeer {
  /// Connects to `ws://127.0.0.1:PORT/`, sends `text` and returns the first text answer.
  static func exchange(_ port: Int, _ text: String) async throws -> String? {
    let socket = try await WebSocket.connect("ws://127.0.0.1:\(port)/")
    try await socket.send(text: text)
    var answer: String?
    for try await message in socket.messages {
      if case .text(let reply) = message { answer = reply }
      break
    }
    await socket.close()
    return answer
  }
}
