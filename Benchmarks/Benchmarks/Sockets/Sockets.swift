// Socket benchmarks: Starling's push/pull and req/rep against nng (Debian's libnng-dev, nng
// 1.5) and libzmq (Debian's libzmq3-dev, 4.3), all in this one process and in the same run,
// over inproc, ipc, tcp, tls+tcp and ws (libzmq has neither of the last two), for 64-byte,
// 1 KiB and 64 KiB messages. tls+tcp uses a throwaway P-256 certificate, verified by the
// dialer (Starling: swift-nio-ssl/BoringSSL; nng: mbedtls).
//
// - "PushPull": throughput. One sender sends N messages on a push socket; the pull socket's
//   receiver counts N. The iteration ends when the N-th message has arrived.
// - "ReqRep": latency. N sequential round trips (one request outstanding) from a req socket to
//   an echo server on a rep socket, which answers each request with its own body.
//
// Every measured iteration moves N = `benchmark.scaledIterations.count` messages (1,000, the
// `.kilo` scaling factor), so the tool's scaled figures (`--scale`) and
// `scripts/bench_table.py --suite sockets` report time and allocations per message (per round
// trip for ReqRep). The sockets are made and connected in each benchmark's setup, outside the
// measurement. Allocations are counted in the whole process, so they include the peer threads
// of nng and libzmq and SwiftNIO's event loops.
//
// Each library is used through its ordinary API: Starling with one `Message` whose body buffer
// every send shares; nng with `nng_send` (which copies the bytes into a new message) and
// `nng_recvmsg`; libzmq with `zmq_send` (which copies too) and `zmq_msg_recv`. The echo servers
// send the received message back without copying (`r.reply(r.message)`, `nng_sendmsg`,
// `zmq_msg_send`). nng and libzmq run their receiving side (the pull counter, the rep echo
// server) on a thread of their own; Starling's runs as a task. All options are the libraries'
// defaults.
//
// Benchmark names are "<pattern> <transport> <size>: <implementation>", for example
// "PushPull tcp 64B: nng"; `scripts/bench_table.py --suite sockets` pairs them up.

import Benchmark

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput, .mallocCountTotal],
    warmupIterations: 3,
    scalingFactor: .kilo,
    maxDuration: .seconds(1),
    maxIterations: 500
  )
  // A req/rep iteration (1,000 round trips) takes 10 to 300 ms: give those 2 s for enough samples.
  var requestReplyConfiguration = Benchmark.defaultConfiguration
  requestReplyConfiguration.maxDuration = .seconds(2)
  for transport in Transport.allCases {
    for size in MessageSize.allCases {
      let pushPull = "PushPull \(transport.rawValue) \(size.label)"
      register("\(pushPull): Starling") { try await StarlingPushPull(transport, size) }
      register("\(pushPull): nng") { try NngPushPull(transport, size) }
      if transport.zmqHasIt {
        register("\(pushPull): zmq") { try ZmqPushPull(transport, size) }
      }

      let requestReply = "ReqRep \(transport.rawValue) \(size.label)"
      let configuration = requestReplyConfiguration
      register("\(requestReply): Starling", configuration) { try await StarlingReqRep(transport, size) }
      register("\(requestReply): nng", configuration) { try NngReqRep(transport, size) }
      if transport.zmqHasIt {
        register("\(requestReply): zmq", configuration) { try ZmqReqRep(transport, size) }
      }
    }
  }
  registerPatternBenchmarks()
}

/// Messages per measured iteration: the `.kilo` scaling factor. The nng and libzmq receiving
/// threads count in batches of this size.
let messagesPerIteration = BenchmarkScalingFactor.kilo.rawValue

/// Registers a benchmark whose sockets use Swift concurrency.
func register(
  _ name: String, _ configuration: Benchmark.Configuration = Benchmark.defaultConfiguration,
  _ make: @escaping @Sendable () async throws -> any AsyncFixture
) {
  let fixture = FixtureHolder<any AsyncFixture>()
  Benchmark(name, configuration: configuration) { benchmark in
    try await fixture.value!.run(messages: benchmark.scaledIterations.count)
  } setup: {
    fixture.value = try await make()
  } teardown: {
    try await fixture.value?.stop()
    fixture.value = nil
  }
}

/// Registers a benchmark whose sockets block the calling thread (nng and libzmq).
func register(
  _ name: String, _ configuration: Benchmark.Configuration = Benchmark.defaultConfiguration,
  _ make: @escaping @Sendable () throws -> any BlockingFixture
) {
  let fixture = FixtureHolder<any BlockingFixture>()
  Benchmark(name, configuration: configuration) { benchmark in
    try fixture.value!.run(messages: benchmark.scaledIterations.count)
  } setup: {
    fixture.value = try make()
  } teardown: {
    try fixture.value?.stop()
    fixture.value = nil
  }
}
