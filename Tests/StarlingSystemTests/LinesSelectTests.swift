import StarlingChannels
import Testing

@testable import StarlingSystem

/// A ``ByteStream``'s lines as a `select` case beside a channel, over real TCP connections and
/// a real program's output: exactly one case fires, and a line that arrives for a select that
/// fired elsewhere stays in the stream.
@Suite(.timeLimit(.minutes(5))) struct LinesSelectTests {
  private func selectLineOrJob(
    _ stream: ByteStream, _ jobs: StarlingChannels.Channel<String>
  ) async throws -> String {
    try await select {
      onReceive(stream.lines) { line in try line.get().map { "line: \($0)" } ?? "end" }
      onReceive(jobs) { job in "job: \(job ?? "closed")" }
    }
  }

  @Test func whenALineAndAJobAreBothReadyExactlyOneFiresAndTheOtherStays() async throws {
    let (client, server, listener) = try await connectedPair()
    defer { listener.close() }
    let jobs = StarlingChannels.Channel<String>(capacity: 1)
    var fired: Set<String> = []
    for round in 0..<64 {
      try await client.write("line \(round)\n")
      try await eventually { (server.storage?.buffered ?? 0) > 0 }
      try await jobs.send("\(round)")
      let outcome = try await selectLineOrJob(server, jobs)
      if outcome == "line: line \(round)" {
        fired.insert("line")
        #expect(try jobs.tryReceive() == "\(round)", "the job stays")
      } else {
        fired.insert("job")
        #expect(outcome == "job: \(round)")
        #expect(try await server.readLine() == "line \(round)", "the line stays")
      }
    }
    #expect(fired == ["line", "job"], "either case may fire when both are ready")
  }

  @Test func linesAndJobsArrivingWhileSelectsWaitAreEachReceivedOnce() async throws {
    let (client, server, listener) = try await connectedPair()
    defer { listener.close() }
    let jobs = StarlingChannels.Channel<String>(capacity: 1)
    for round in 0..<64 {
      let selecting = Task { try await selectLineOrJob(server, jobs) }
      // Both come while the select waits (or as it starts): exactly one case fires, and the
      // other's value is still there to receive.
      try await client.write("line \(round)\n")
      try await jobs.send("\(round)")
      let outcome = try await selecting.value
      if outcome == "line: line \(round)" {
        #expect(try await jobs.receive() == "\(round)", "the job was not taken")
      } else {
        #expect(outcome == "job: \(round)")
        #expect(try await server.readLine() == "line \(round)", "the line was not taken")
      }
    }
    #expect(server.storage?.buffered == 0 && jobs.count == 0, "nothing left over")
  }

  @Test func theEndAndALineOverItsLimitReachTheCase() async throws {
    let (client, server, listener) = try await connectedPair()
    defer { listener.close() }
    let jobs = StarlingChannels.Channel<String>(capacity: 1)
    let waiting = Task {
      try await select {
        onReceive(server.lines(maxLength: 4)) { line in line }
        onReceive(jobs) { _ in .success("a job") }
      }
    }
    try await eventually { server.storage?.isReading ?? false }
    await #expect(throws: StreamError.readInProgress) { try await server.readLine() }
    try await client.write("too long\n")
    await #expect(throws: StreamError.lineTooLong(limit: 4)) { try await waiting.value.get() }
    #expect(try await server.readLine() == "too long", "its bytes stay in the stream")

    try await client.closeWrite()
    let end = try await select {
      onReceive(server.lines) { line in line }
      onReceive(jobs) { _ in .success("a job") }
    }
    #expect(try end.get() == nil, "the end of the stream")
  }

  @Test func aProgramsOutputLineByLineBesideAChannel() async throws {
    let shell = try await ChildProcess.spawn(
      "sh", arguments: ["-c", "echo one; echo two; echo three"])
    let quit = StarlingChannels.Channel<Void>()
    var lines: [String] = []
    reading: while true {
      let line = try await select {
        onReceive(shell.stdout.lines) { line in try line.get() }
        onReceive(quit) { _ in nil }
      }
      guard let line else { break reading }
      lines.append(line)
    }
    #expect(lines == ["one", "two", "three"])
    try await shell.stdin.closeWrite()
    #expect(try await shell.wait() == .exited(0))
    let refused = try await select {
      onReceive(shell.stdin.lines) { line in line }
    }
    #expect(throws: StreamError.notReadable("a child's standard input is written, not read")) {
      try refused.get()
    }
  }
}
