// Starling's relays: a StarlingPipeline config, and the same relay written by hand.

import Benchmark
import Starling
import StarlingPipeline

/// The driver both Starling relays share: a push socket the relay pulls from and a pull
/// socket it pushes to, both listening.
struct Driver: Sendable {
  let push = Push0()
  let pull = Pull0()
  let pushURL: String
  let pullURL: String
  let message = Message(payload)

  init(_ transport: Transport) async throws {
    pushURL = try await push.listen(transport.listenAddress(library: "driver-push")).address.url
    pullURL = try await pull.listen(transport.listenAddress(library: "driver-pull")).address.url
  }

  /// Sends `messages` messages and receives as many, checking that the relay upper-cased them.
  func run(messages: Int) async throws {
    let push = push
    let message = message
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask {
        for _ in 0..<messages { try await push.send(message) }
      }
      var last = Message()
      for _ in 0..<messages { last = try await pull.receive() }
      guard last.bytes.first == UInt8(ascii: "A") else {
        throw LibraryError(description: "the relay did not upper-case: \(last.string)")
      }
    }
  }

  func close() {
    push.close()
    pull.close()
  }
}

/// input.pull -> process.modify -> output.push, from a YAML config.
final class PipelineRelay: AsyncFixture {
  private let driver: Driver
  private let pipeline: Pipeline
  private let running: Task<Void, any Error>

  init(_ transport: Transport) async throws {
    driver = try await Driver(transport)
    let config = try PipelineConfig.parse(
      yaml: """
        settings: {metrics_interval: 0}
        modules:
          in:
            module: input.pull
            arguments: {dial: ["\(driver.pushURL)"]}
          upper:
            module: process.modify
            arguments:
              operations:
                - uppercase: data
                - set: {path: header.relayed, value: true}
          out:
            module: output.push
            arguments: {dial: ["\(driver.pullURL)"]}
        routes:
          - in.outbox -> upper.inbox
          - upper.outbox -> out.inbox
        """)
    pipeline = try Pipeline(config: config)
    running = Task { [pipeline] in try await pipeline.run() }
  }

  func run(messages: Int) async throws {
    try await driver.run(messages: messages)
  }

  func stop() async throws {
    pipeline.stopNow()
    try await running.value
    driver.close()
  }
}

/// The same relay against the socket API: receive, upper-case, send.
final class HandWrittenRelay: AsyncFixture {
  private let driver: Driver
  private let pull = Pull0()
  private let push = Push0()
  private let relay: Task<Void, Never>

  init(_ transport: Transport) async throws {
    driver = try await Driver(transport)
    try await pull.dial(driver.pushURL)
    try await push.dial(driver.pullURL)
    relay = Task { [pull, push] in
      while let message = try? await pull.receive() {
        guard (try? await push.send(Message(string: message.string.uppercased()))) != nil else { return }
      }
    }
  }

  func run(messages: Int) async throws {
    try await driver.run(messages: messages)
  }

  func stop() async throws {
    pull.close()
    push.close()
    await relay.value
    driver.close()
  }
}
