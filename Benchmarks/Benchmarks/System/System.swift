// StarlingSystem's ByteStream beside the same code written directly on SwiftNIO: a line echo
// over TCP on 127.0.0.1, both sides in this process.
//
// - "LineEcho pipelined": the client sends N lines of 64 bytes in one write and reads the N
//   echoes; the server reads line by line and writes each line back. Throughput.
// - "LineEcho round trip": N sequential round trips, one line out, its echo back. Latency.
//
// "ByteStream" is both sides on StarlingSystem, written as a user would: the server is
// `for try await line in stream.lines { try await stream.write(line + "\n") }` on a
// `StreamListener` connection, the client `ByteStream.connect` with `write` and `readLine`.
// "SwiftNIO" is both sides as channel handlers: the server splits each read into lines, writes
// each line back and flushes once per read; the client counts the newlines of the echoes.
//
// Every measured iteration moves N = `benchmark.scaledIterations.count` lines (1,000, the
// `.kilo` scaling factor), so `scripts/bench_table.py --suite system` reports time and
// allocations per line. Connections are made in each benchmark's setup, outside the
// measurement. Run with scripts/bench-system.sh.

import Benchmark

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput, .mallocCountTotal],
    warmupIterations: 3,
    scalingFactor: .kilo,
    maxDuration: .seconds(2),
    maxIterations: 500
  )
  register("LineEcho pipelined: ByteStream") { try await ByteStreamEcho(pipelined: true) }
  register("LineEcho pipelined: SwiftNIO") { try await NIOEcho(pipelined: true) }
  register("LineEcho round trip: ByteStream") { try await ByteStreamEcho(pipelined: false) }
  register("LineEcho round trip: SwiftNIO") { try await NIOEcho(pipelined: false) }
}

/// A connected client and echo server.
protocol EchoFixture: Sendable {
  /// Sends `lines` lines and waits for their echoes.
  func run(lines: Int) async throws
  /// Closes both sides.
  func stop() async throws
}

/// One line of the benchmark: 63 bytes and its newline.
let line = String(repeating: "starling ", count: 7) + "\n"

final class FixtureHolder: @unchecked Sendable {
  // Set in setup and cleared in teardown, which the benchmark tool runs one after the other,
  // never beside a measured run.
  var value: (any EchoFixture)?
}

func register(_ name: String, _ make: @escaping @Sendable () async throws -> any EchoFixture) {
  let fixture = FixtureHolder()
  Benchmark(name) { benchmark in
    try await fixture.value!.run(lines: benchmark.scaledIterations.count)
  } setup: {
    fixture.value = try await make()
  } teardown: {
    try await fixture.value?.stop()
    fixture.value = nil
  }
}
