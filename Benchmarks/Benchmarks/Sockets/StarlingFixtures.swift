// Starling's side of the socket benchmarks: Push0 -> Pull0 and Req0 -> Rep0, with the default
// options, in this process.

import Benchmark
import Starling

/// A pull socket listening and a push socket dialed to it; a task sends, the benchmark receives.
final class StarlingPushPull: AsyncFixture {
  private let push: Push0
  private let pull: Pull0
  private let message: Message

  init(_ transport: Transport, _ size: MessageSize) async throws {
    let push = Push0(options: dialerOptions(transport))
    let pull = Pull0(options: listenerOptions(transport))
    let bound = try await pull.listen(transport.listenAddress(library: "starling")).address
    try await push.dial(bound.url)
    self.push = push
    self.pull = pull
    self.message = Message(size.payload)
  }

  func run(messages: Int) async throws {
    let push = push
    let message = message
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask {
        for _ in 0..<messages { try await push.send(message) }
      }
      var bytes = 0
      for _ in 0..<messages { bytes &+= try await pull.receive().body.readableBytes }
      blackHole(bytes)
    }
  }

  func stop() async throws {
    push.close()
    pull.close()
  }
}

/// A rep socket listening, answered by an echo task, and a req socket dialed to it.
final class StarlingReqRep: AsyncFixture {
  private let request: Req0
  private let reply: Rep0
  private let server: Task<Void, Never>
  private let message: Message

  init(_ transport: Transport, _ size: MessageSize) async throws {
    let request = Req0(options: dialerOptions(transport))
    let reply = Rep0(options: listenerOptions(transport))
    let bound = try await reply.listen(transport.listenAddress(library: "starling")).address
    try await request.dial(bound.url)
    self.request = request
    self.reply = reply
    self.message = Message(size.payload)
    server = Task {
      while let incoming = try? await reply.nextRequest() {
        try? await incoming.reply(incoming.message)
      }
    }
  }

  func run(messages: Int) async throws {
    var bytes = 0
    for _ in 0..<messages { bytes &+= try await request.request(message).body.readableBytes }
    blackHole(bytes)
  }

  func stop() async throws {
    request.close()
    reply.close()
    await server.value
  }
}

/// The defaults, with the benchmark certificate for a tls listener.
private func listenerOptions(_ transport: Transport) -> SocketOptions {
  var options = SocketOptions()
  if transport == .tls {
    let certificates = BenchmarkCertificates.shared
    options.tls = TLSOptions(
      certificate: .pem(certificates.certificatePEM), privateKey: .pem(certificates.keyPEM))
  }
  return options
}

/// The defaults, trusting the benchmark authority for a tls dialer.
private func dialerOptions(_ transport: Transport) -> SocketOptions {
  var options = SocketOptions()
  if transport == .tls {
    options.tls = TLSOptions(trustRoots: .pem(BenchmarkCertificates.shared.caPEM))
  }
  return options
}
