// RPC benchmarks: calls per second through Starling's typed RPC (`RPCClient` -> `RPCServer`,
// JSON), beside raw Starling req/rep (`Req0.request` -> `Rep0`) and nng req/rep with contexts
// (Debian's libnng-dev, nng 1.5), all in this one process and in the same run, over inproc and
// tcp, with 1 and with 64 concurrent callers on one req socket.
//
// Every call is an echo of a 64-byte payload: raw req/rep and nng send 64 bytes and get them
// back; the RPC call encodes a 64-character String (a 71-byte body: the envelope's 5 bytes for
// "echo" and 66 bytes of JSON; the reply is 67 bytes) and decodes the String that comes back. The echo servers answer
// every request as it comes: `RPCServer` with its default 64 handlers at once, the raw Starling
// server in one task (`r.reply(r.message)`), nng with 64 server contexts, each receiving and
// sending back the message on its own aio. nng's callers are contexts driven by aio callbacks
// too, so nng runs no thread per caller.
//
// Every measured iteration makes N = `benchmark.scaledIterations.count` calls (1,000, the
// `.kilo` scaling factor), split evenly across the callers, so the tool's scaled figures report
// time and allocations per call. Sockets are made and connected in each benchmark's setup,
// outside the measurement. Allocations are counted in the whole process (nng's threads and
// SwiftNIO's event loops included).
//
// Benchmark names are "Calls <transport> <callers>: <implementation>", for example
// "Calls tcp 64 callers: nng contexts".

import Benchmark

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput, .mallocCountTotal],
    warmupIterations: 3,
    scalingFactor: .kilo,
    maxDuration: .seconds(2),
    maxIterations: 500
  )
  for transport in Transport.allCases {
    for callers in [1, 64] {
      let scenario = "Calls \(transport.rawValue) \(callers) caller\(callers == 1 ? "" : "s")"
      register("\(scenario): Starling RPC") { try await StarlingRPCCalls(transport, callers: callers) }
      register("\(scenario): Starling req/rep") { try await StarlingReqRepCalls(transport, callers: callers) }
      register("\(scenario): nng contexts") { try NngContextCalls(transport, callers: callers) }
    }
  }
}

/// Registers a benchmark whose sockets use Swift concurrency.
private func register(_ name: String, _ make: @escaping @Sendable () async throws -> any AsyncFixture) {
  let fixture = FixtureHolder<any AsyncFixture>()
  Benchmark(name) { benchmark in
    try await fixture.value!.run(calls: benchmark.scaledIterations.count)
  } setup: {
    fixture.value = try await make()
  } teardown: {
    try await fixture.value?.stop()
    fixture.value = nil
  }
}

/// Registers a benchmark whose sockets block the calling thread (nng).
private func register(_ name: String, _ make: @escaping @Sendable () throws -> any BlockingFixture) {
  let fixture = FixtureHolder<any BlockingFixture>()
  Benchmark(name) { benchmark in
    try fixture.value!.run(calls: benchmark.scaledIterations.count)
  } setup: {
    fixture.value = try make()
  } teardown: {
    try fixture.value?.stop()
    fixture.value = nil
  }
}
