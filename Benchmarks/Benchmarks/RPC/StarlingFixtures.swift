// Starling's side of the RPC benchmarks: typed RPC and raw req/rep, with the default options.

import Benchmark
import Starling

/// An `RPCServer` echoing a String on a listening rep socket, and an `RPCClient` on a req
/// socket dialed to it.
final class StarlingRPCCalls: AsyncFixture {
  private let request: Req0
  private let reply: Rep0
  private let client: RPCClient
  private let server: Task<Void, any Error>
  private let callers: Int
  private let text = String(decoding: payload, as: UTF8.self)

  init(_ transport: Transport, callers: Int) async throws {
    let request = Req0()
    let reply = Rep0()
    let bound = try await reply.listen(transport.listenAddress(library: "starling-rpc")).address
    try await request.dial(bound.url)
    let rpc = RPCServer(socket: reply)
    try rpc.register("echo") { (text: String) in text }
    self.request = request
    self.reply = reply
    self.callers = callers
    client = RPCClient(socket: request)
    server = Task { try await rpc.run() }
  }

  func run(calls: Int) async throws {
    let client = client
    let text = text
    let callers = callers
    if callers == 1 {
      try await Self.call(client, text, times: calls)
    } else {
      try await withThrowingDiscardingTaskGroup { group in
        for caller in 0..<callers {
          let times = share(of: calls, caller: caller, callers: callers)
          group.addTask { try await Self.call(client, text, times: times) }
        }
      }
    }
  }

  private static func call(_ client: RPCClient, _ text: String, times: Int) async throws {
    var characters = 0
    for _ in 0..<times {
      characters &+= try await client.call("echo", text, returning: String.self, timeout: nil).utf8.count
    }
    blackHole(characters)
  }

  func stop() async throws {
    request.close()
    reply.close()
    try await server.value
  }
}

/// A rep socket listening, answered by an echo task, and a req socket dialed to it.
final class StarlingReqRepCalls: AsyncFixture {
  private let request: Req0
  private let reply: Rep0
  private let server: Task<Void, Never>
  private let message = Message(payload)
  private let callers: Int

  init(_ transport: Transport, callers: Int) async throws {
    let request = Req0()
    let reply = Rep0()
    let bound = try await reply.listen(transport.listenAddress(library: "starling")).address
    try await request.dial(bound.url)
    self.request = request
    self.reply = reply
    self.callers = callers
    server = Task {
      while let incoming = try? await reply.nextRequest() {
        try? await incoming.reply(incoming.message)
      }
    }
  }

  func run(calls: Int) async throws {
    let request = request
    let message = message
    let callers = callers
    if callers == 1 {
      try await Self.call(request, message, times: calls)
    } else {
      try await withThrowingDiscardingTaskGroup { group in
        for caller in 0..<callers {
          let times = share(of: calls, caller: caller, callers: callers)
          group.addTask { try await Self.call(request, message, times: times) }
        }
      }
    }
  }

  private static func call(_ request: Req0, _ message: Message, times: Int) async throws {
    var bytes = 0
    for _ in 0..<times { bytes &+= try await request.request(message, timeout: nil).body.readableBytes }
    blackHole(bytes)
  }

  func stop() async throws {
    request.close()
    reply.close()
    await server.value
  }
}
