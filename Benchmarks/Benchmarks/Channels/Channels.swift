// Channel benchmarks: StarlingChannels' `Channel` against the standard library's `AsyncStream`
// and swift-async-algorithms' `AsyncChannel` and `MultiProducerSingleConsumerAsyncChannel`.
//
// Every benchmark moves `benchmark.scaledIterations.count` messages (1,000, the `.kilo` scaling
// factor) per measured iteration, so the tool's scaled figures (`--scale`) and
// `scripts/bench_table.py` report time and allocations per message (if you change the scaling
// factor, pass `--messages` to that script). The channels, task group and tasks that an
// iteration creates are part of its cost: a fixed few dozen allocations per iteration, which
// show as a few hundredths of an allocation per message. `instructions` is reported only where
// the kernel lets the tool read hardware counters.
//
// The `Channel` side of each scenario is the code in Sources/ChannelShapes, which
// scripts/bench-go.sh also compares with the same shapes in Go (Benchmarks/Go/chanbench.go).
//
// Benchmark names are "<scenario>: <implementation>"; `scripts/bench_table.py` pairs them up by
// scenario, with `Channel` as the Starling side.

import AsyncAlgorithms
import Benchmark
import ChannelShapes

private let bufferCapacity = ChannelShapes.bufferCapacity
private let taskCount = ChannelShapes.taskCount

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput, .mallocCountTotal, .instructions],
    warmupIterations: 10,
    scalingFactor: .kilo,
    maxDuration: .seconds(2),
    maxIterations: 2_000
  )
  bufferedOneToOne()
  rendezvousOneToOne()
  bufferedManyToMany()
  pingPong()
  selectOverFour()
}

// MARK: 1 -> 1, buffered

private func bufferedOneToOne() {
  Benchmark("Buffered 1->1: Channel") { benchmark in
    blackHole(try await ChannelShapes.bufferedOneToOne(messages: benchmark.scaledIterations.count))
  }
  Benchmark("Buffered 1->1: AsyncStream") { benchmark in
    let count = benchmark.scaledIterations.count
    let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
    await withDiscardingTaskGroup { group in
      group.addTask {
        for index in 0..<count { continuation.yield(index) }
        continuation.finish()
      }
      var sum = 0
      for await value in stream { sum &+= value }
      blackHole(sum)
    }
  }

  Benchmark("Buffered 1->1: AsyncChannel") { benchmark in
    let count = benchmark.scaledIterations.count
    let channel = AsyncChannel<Int>()
    await withDiscardingTaskGroup { group in
      group.addTask {
        for index in 0..<count { await channel.send(index) }
        channel.finish()
      }
      var sum = 0
      for await value in channel { sum &+= value }
      blackHole(sum)
    }
  }

  Benchmark("Buffered 1->1: MPSCAsyncChannel") { benchmark in
    let count = benchmark.scaledIterations.count
    try await withThrowingTaskGroup(of: Int.self) { group in
      var channelAndSource = MultiProducerSingleConsumerAsyncChannel.makeChannel(
        of: Int.self,
        backpressureStrategy: .watermark(low: bufferCapacity / 2, high: bufferCapacity)
      )
      var channel = channelAndSource.takeChannel()
      var source = consume channelAndSource.source
      group.addTask {
        var sum = 0
        while let value = await channel.next() { sum &+= value }
        return sum
      }
      for index in 0..<count { try await source.send(index) }
      source.finish()
      blackHole(try await group.next())
    }
  }
}

// MARK: 1 -> 1, rendezvous

private func rendezvousOneToOne() {
  Benchmark("Rendezvous 1->1: Channel") { benchmark in
    blackHole(try await ChannelShapes.rendezvousOneToOne(messages: benchmark.scaledIterations.count))
  }
  Benchmark("Rendezvous 1->1: AsyncChannel") { benchmark in
    let count = benchmark.scaledIterations.count
    let channel = AsyncChannel<Int>()
    await withDiscardingTaskGroup { group in
      group.addTask {
        for index in 0..<count { await channel.send(index) }
        channel.finish()
      }
      var sum = 0
      for await value in channel { sum &+= value }
      blackHole(sum)
    }
  }
}

// MARK: 4 -> 4, buffered

private func bufferedManyToMany() {
  // AsyncStream and MultiProducerSingleConsumerAsyncChannel allow one consumer only.
  Benchmark("Buffered 4->4: Channel") { benchmark in
    blackHole(try await ChannelShapes.bufferedManyToMany(messages: benchmark.scaledIterations.count))
  }
  Benchmark("Buffered 4->4: AsyncChannel") { benchmark in
    let count = benchmark.scaledIterations.count
    let channel = AsyncChannel<Int>()
    await withDiscardingTaskGroup { group in
      group.addTask {
        await withDiscardingTaskGroup { producers in
          for producer in 0..<taskCount {
            producers.addTask {
              for index in share(of: count, for: producer) { await channel.send(index) }
            }
          }
        }
        channel.finish()
      }
      for _ in 0..<taskCount {
        group.addTask {
          var sum = 0
          for await value in channel { sum &+= value }
          blackHole(sum)
        }
      }
    }
  }
}

// MARK: Ping-pong

private func pingPong() {
  // Each round trip is two messages: the ping and the pong.
  Benchmark("Ping-pong: Channel") { benchmark in
    blackHole(try await ChannelShapes.pingPong(messages: benchmark.scaledIterations.count))
  }
  Benchmark("Ping-pong: AsyncChannel") { benchmark in
    let roundTrips = benchmark.scaledIterations.count / 2
    let ping = AsyncChannel<Int>()
    let pong = AsyncChannel<Int>()
    await withDiscardingTaskGroup { group in
      group.addTask {
        for await value in ping { await pong.send(value) }
      }
      var pongs = pong.makeAsyncIterator()
      var sum = 0
      for index in 0..<roundTrips {
        await ping.send(index)
        sum &+= await pongs.next() ?? 0
      }
      ping.finish()
      blackHole(sum)
    }
  }
}

// MARK: Select

private func selectOverFour() {
  // No competitor has a select over channels: this reports Channel's own cost.
  Benchmark("Select over 4: Channel") { benchmark in
    blackHole(try await ChannelShapes.selectOverFour(messages: benchmark.scaledIterations.count))
  }
}

/// The messages producer `producer` of ``taskCount`` sends when they send `count` in all.
private func share(of count: Int, for producer: Int) -> Range<Int> {
  (count * producer / taskCount)..<(count * (producer + 1) / taskCount)
}
