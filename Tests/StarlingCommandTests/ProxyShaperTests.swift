import Testing

import struct StarlingChannels.SplitMix64

@testable import StarlingCommandLine

/// The proxy's latency, jitter and bandwidth as a pure state machine on a simulated clock:
/// times go in, delivery decisions come out.
struct ProxyShaperTests {
  func shaper(
    latency: Duration = .zero, jitter: Duration = .zero, rate: Int? = nil, seed: UInt64 = 1
  ) -> ProxyShaper {
    ProxyShaper(
      settings: ProxyShaper.Settings(latency: latency, jitter: jitter, bytesPerSecond: rate),
      random: SplitMix64(seed: seed, stream: 0))
  }

  @Test func withoutFaultsBytesGoOnAtOnceInOnePiece() {
    var shaper = shaper()
    #expect(shaper.read(70_000, at: .seconds(3)) == [.init(bytes: 70_000, time: .seconds(3))])
    #expect(shaper.read(0, at: .seconds(4)).isEmpty)
  }

  @Test func latencyDelaysEveryRead() {
    var shaper = shaper(latency: .milliseconds(20))
    #expect(shaper.read(10, at: .zero) == [.init(bytes: 10, time: .milliseconds(20))])
    #expect(shaper.read(5, at: .seconds(1)) == [.init(bytes: 5, time: .milliseconds(1020))])
  }

  @Test func bandwidthIsEnforcedOnEverySimulatedTick() {
    // 1000 bytes a second; 10,000 bytes offered at once and then 100 more every 10 ms.
    let rate = 1000
    var shaper = shaper(latency: .milliseconds(5), rate: rate)
    #expect(shaper.settings.sliceBytes == 10)
    var deliveries = shaper.read(10_000, at: .zero)
    var offered = 10_000
    for tick in 1...500 {
      deliveries += shaper.read(100, at: .milliseconds(10 * tick))
      offered += 100
    }
    #expect(deliveries.reduce(0) { $0 + $1.bytes } == offered)
    // Every decision is one slice of at most 10 ms of the link: at least offered/10 of them.
    #expect(deliveries.count >= offered / 10)
    #expect(deliveries.allSatisfy { $0.bytes <= 10 })
    // By any simulated tick, no more has been passed on than the link carries in that time.
    // (Deliveries come in time order, so one pass adds them up tick by tick.)
    var passed = 0
    var next = 0
    for tick in stride(from: 0, through: 61_000, by: 10) {
      while next < deliveries.count, deliveries[next].time <= .milliseconds(tick) {
        passed += deliveries[next].bytes
        next += 1
      }
      #expect(passed <= rate * tick / 1000, "at \(tick) ms: \(passed) bytes")
    }
    #expect(next == deliveries.count)
    // And the link is kept busy: everything is through once it has had the time.
    let last = deliveries.last!.time
    #expect(last >= .seconds(Double(offered) / Double(rate)))
    #expect(last <= .seconds(Double(offered) / Double(rate)) + .milliseconds(5) + .milliseconds(1))
  }

  @Test func aSlowLinkMakesReadsWaitTheirTurn() {
    var shaper = shaper(rate: 100_000)  // 1000-byte slices, 10 ms each
    let first = shaper.read(3000, at: .zero)
    #expect(first.map(\.time) == [.milliseconds(10), .milliseconds(20), .milliseconds(30)])
    // Read while the link is still busy: queued behind the first read.
    let second = shaper.read(1000, at: .milliseconds(5))
    #expect(second.map(\.time) == [.milliseconds(40)])
    // Read after the link went idle: starts at once.
    let third = shaper.read(500, at: .seconds(1))
    #expect(third == [.init(bytes: 500, time: .milliseconds(1005))])
  }

  @Test func jitterStaysWithinItsBoundsAndTheSameSeedGivesTheSameFaults() {
    func run(seed: UInt64) -> [ProxyShaper.Delivery] {
      var shaper = shaper(latency: .milliseconds(20), jitter: .milliseconds(5), seed: seed)
      // Reads 100 ms apart: far enough that order never holds one back.
      return (0..<200).flatMap { shaper.read(1, at: .milliseconds(100 * $0)) }
    }
    let first = run(seed: 42)
    #expect(first == run(seed: 42))
    #expect(first != run(seed: 43))
    let delays = first.enumerated().map { $1.time - .milliseconds(100 * $0) }
    #expect(delays.allSatisfy { $0 >= .milliseconds(15) && $0 <= .milliseconds(25) })
    // Not a constant: the jitter moves the delay both ways.
    #expect(delays.contains { $0 < .milliseconds(19) })
    #expect(delays.contains { $0 > .milliseconds(21) })
  }

  @Test func jitterNeverReordersTheStream() {
    var shaper = shaper(latency: .milliseconds(2), jitter: .milliseconds(10), seed: 9)
    let deliveries = (0..<1000).flatMap { shaper.read(7, at: .microseconds(100 * $0)) }
    #expect(zip(deliveries, deliveries.dropFirst()).allSatisfy { $0.time <= $1.time })
    // Never earlier than the read plus no delay, and the total is intact.
    #expect(deliveries.enumerated().allSatisfy { $1.time >= .microseconds(100 * $0) })
    #expect(deliveries.reduce(0) { $0 + $1.bytes } == 7000)
  }

  @Test func streamsOfOneSeedDiffer() {
    var up = SplitMix64(seed: 5, stream: 2)
    var down = SplitMix64(seed: 5, stream: 3)
    var again = SplitMix64(seed: 5, stream: 2)
    let upValues = (0..<4).map { _ in up.next() }
    #expect(upValues == (0..<4).map { _ in again.next() })
    #expect(upValues != (0..<4).map { _ in down.next() })
  }

  @Test func theHighWaterMarkCoversTheDelayWithinBounds() {
    #expect(ProxyShaper.Settings().highWater == 1 << 20)
    #expect(ProxyShaper.Settings(bytesPerSecond: 1000).highWater == 65_536)
    #expect(
      ProxyShaper.Settings(latency: .milliseconds(400), bytesPerSecond: 10_000_000).highWater == 4_194_304)
    #expect(
      ProxyShaper.Settings(latency: .milliseconds(100), bytesPerSecond: 1_000_000).highWater == 200_000)
  }
}
