import Hummingbird
import Logging
import NIOCore
import StarlingHTTP

// The servers of scripts/bench-http.sh, each answering the same way:
//
//   HTTPBenchServer starling PORT      StarlingHTTP: GET → "Hello, World!", POST → the body
//   HTTPBenchServer hummingbird PORT   Hummingbird 2, the same answers
//   HTTPBenchServer websocket PORT     StarlingHTTP: every WebSocket message echoed
//
// Each prints "READY" once it listens and serves until killed.

let arguments = CommandLine.arguments
guard arguments.count == 3, let port = Int(arguments[2]) else {
  fatalError("usage: HTTPBenchServer starling|hummingbird|websocket PORT")
}

switch arguments[1] {
case "starling":
  var configuration = HTTPServer.Configuration()
  configuration.logger.logLevel = .error
  let server = try await HTTPServer.listen("http://127.0.0.1:\(port)", configuration: configuration)
  print("READY")
  // One task per core takes requests: answering does not wait for the write. (A client
  // going away fails its request's reply; the server goes on.)
  await withDiscardingTaskGroup { group in
    for _ in 0..<System.coreCount {
      group.addTask {
        for await request in server.requests {
          if request.method == .POST {
            guard let body = try? await request.body() else { continue }
            try? await request.reply(body: body)
          } else {
            try? await request.reply(body: "Hello, World!")
          }
        }
      }
    }
  }
case "hummingbird":
  let router = Router()
  router.get("/") { _, _ in "Hello, World!" }
  router.post("/") { request, _ -> ByteBuffer in
    try await request.body.collect(upTo: 1 << 20)
  }
  var logger = Logger(label: "hummingbird")
  logger.logLevel = .error
  let app = Application(
    router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
    onServerRunning: { _ in print("READY") }, logger: logger)
  try await app.runService()
case "websocket":
  var configuration = HTTPServer.Configuration()
  configuration.logger.logLevel = .error
  configuration.webSocket.maxMessageSize = 1 << 24
  let server = try await HTTPServer.listen("http://127.0.0.1:\(port)", configuration: configuration)
  print("READY")
  await withDiscardingTaskGroup { group in
    for await request in server.requests {
      group.addTask {
        guard let socket = try? await request.upgradeToWebSocket() else { return }
        do {
          for try await message in socket.messages {
            switch message {
            case .text(let text): try await socket.send(text: text)
            case .binary(let bytes): try await socket.send(binary: bytes)
            }
          }
        } catch {}
      }
    }
  }
default:
  fatalError("unknown server \(arguments[1])")
}
