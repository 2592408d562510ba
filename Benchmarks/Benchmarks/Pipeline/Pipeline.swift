// Pipeline benchmarks: events per second through input -> modify -> output, the shape of
// most pipelines, against what users would otherwise write, in the same run:
//
// - "Starling pipeline": a StarlingPipeline config, `input.pull` (dialing the driver's push
//   socket) -> `process.modify` (upper-cases the data, sets a header field) -> `output.push`
//   (dialing the driver's pull socket). Every message becomes an event, crosses two bounded
//   queues and three module actors, and is encoded back into a message.
// - "hand-written relay": the same sockets and the same work written directly against the
//   Starling socket API (receive, upper-case, send) in one task: no events, no queues.
// - "nng relay": the same relay in C against nng 1.5 (Debian's libnng-dev): a thread receiving
//   on pull0, upper-casing in place and sending on push0, driven by nng push0/pull0 sockets.
//
// Every iteration moves N = 1,000 messages of 64 bytes through the relay (the `.kilo` scaling
// factor), so `scripts/bench_table.py --suite pipeline` reports time and allocations per event.
// Allocations are counted in the whole process (driver sockets, NIO event loops, nng threads).
//
// Benchmark names are "Relay <transport>: <implementation>".

import Benchmark

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput, .mallocCountTotal],
    warmupIterations: 3,
    scalingFactor: .kilo,
    maxDuration: .seconds(2),
    maxIterations: 300
  )
  for transport in Transport.allCases {
    let name = "Relay \(transport.rawValue)"
    register("\(name): Starling pipeline") { try await PipelineRelay(transport) }
    register("\(name): hand-written relay") { try await HandWrittenRelay(transport) }
    register("\(name): nng relay") { try NngRelay(transport) }
  }
}

/// Messages per measured iteration: the `.kilo` scaling factor.
let messagesPerIteration = BenchmarkScalingFactor.kilo.rawValue

/// A fixture driven with Swift concurrency.
func register(_ name: String, _ make: @escaping @Sendable () async throws -> any AsyncFixture) {
  let fixture = FixtureHolder<any AsyncFixture>()
  Benchmark(name) { benchmark in
    try await fixture.value!.run(messages: benchmark.scaledIterations.count)
  } setup: {
    fixture.value = try await make()
  } teardown: {
    try await fixture.value?.stop()
    fixture.value = nil
  }
}

/// A fixture driven from a blocked thread.
func register(_ name: String, _ make: @escaping @Sendable () throws -> any BlockingFixture) {
  let fixture = FixtureHolder<any BlockingFixture>()
  Benchmark(name) { benchmark in
    try fixture.value!.run(messages: benchmark.scaledIterations.count)
  } setup: {
    fixture.value = try make()
  } teardown: {
    try fixture.value?.stop()
    fixture.value = nil
  }
}
