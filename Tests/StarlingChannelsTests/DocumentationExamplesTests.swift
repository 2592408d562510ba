import StarlingChannels
import Testing

/// The examples of the README and the DocC articles, verbatim, so that they compile and run.
///
/// `scripts/check_examples.py` fails the test command if an example in the documents is not
/// found here.
@Suite struct DocumentationExamplesTests {
  @Test func readmeWorkers() async throws {
    let jobs = Channel<Int>(capacity: 16)
    let results = Channel<Int>(capacity: 16)

    // Three workers square the jobs.
    let workers = Task {
      await withTaskGroup(of: Void.self) { group in
        for _ in 0..<3 {
          group.addTask {
            for await job in jobs { try? await results.send(job * job) }
          }
        }
      }
      results.close()
    }

    for job in 1...5 { try await jobs.send(job) }
    jobs.close()

    var total = 0
    for await square in results { total += square }
    await workers.value
    print(total)  // 55
    #expect(total == 55)
  }

  @Test func readmeSelect() async throws {
    let messages = Channel<String>(capacity: 8)
    let quit = Channel<Void>()
    try await messages.send("hello")

    let outcome = try await select {
      onReceive(messages) { message in "message: \(message ?? "closed")" }
      onReceive(quit) { _ in "quit" }
      onTimeout(.seconds(1)) { "nothing within a second" }
    }
    print(outcome)  // message: hello
    #expect(outcome == "message: hello")
  }

  @Test func readmeBroadcastAndState() async throws {
    let news = Broadcast<String>()
    let reader = news.subscribe(bufferSize: 4, overflow: .dropOldest)
    try await news.send("extra!")
    print(try await reader.receive() ?? "ended")  // extra!

    let config = StateCell<String>()
    config.set("v1")
    print(try await config.get())  // v1
    #expect(config.value == "v1")
    #expect(reader.dropped == 0)
  }

  @Test func doccPipeline() async throws {
    let lines = Channel<String>(capacity: 32)
    let producer = Task {
      for word in ["alpha", "beta", "gamma"] { try await lines.send(word) }
      lines.close()
    }
    var seen: [String] = []
    for await line in lines { seen.append(line) }
    try await producer.value
    print(seen)  // ["alpha", "beta", "gamma"]
    #expect(seen == ["alpha", "beta", "gamma"])
  }

  @Test func doccSelect() async throws {
    let urgent = Channel<String>(capacity: 4)
    let normal = Channel<String>(capacity: 4)
    try await normal.send("report")

    let next = try await select {
      onReceive(urgent) { item in item ?? "urgent closed" }
      onReceive(normal) { item in item ?? "normal closed" }
      onDefault { "idle" }
    }
    print(next)  // report
    #expect(next == "report")
  }

  @Test func doccCancel() async throws {
    let full = Channel<Int>(capacity: 1)
    try await full.send(1)
    let blocked = Task { try await full.send(2) }
    blocked.cancel()
    let outcome = await blocked.result
    print(outcome)  // failure(Swift.CancellationError())
    print(try full.tryReceive() ?? 0, try full.tryReceive() ?? 0)  // 1 0
    #expect(throws: CancellationError.self) { try outcome.get() }
  }
}
