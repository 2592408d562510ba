import struct StarlingChannels.SplitMix64

/// Latency, jitter and bandwidth for one direction of a proxied connection, as a state machine
/// without I/O: the bytes read at a moment go in, the moments at which to pass them on come out.
///
/// Time is a `Duration` since an origin the caller chooses (the proxy's start; zero in tests).
///
/// - Bandwidth: the link carries `bytesPerSecond`; bytes read while it is busy wait their
///   turn. A read is cut into slices of what the link carries in 10 ms, so a large read
///   trickles out instead of arriving in one lump.
/// - Latency and jitter: each slice arrives `latency` after the link has carried it, plus or
///   minus up to `jitter` (uniform, from the seeded generator; never less than no delay).
/// - Order: a stream's bytes keep their order, as TCP keeps them, so a slice is never passed
///   on before the one read before it: jitter can hold bytes back, never reorder them.
struct ProxyShaper: Sendable {
  /// The faults of one direction.
  struct Settings: Sendable, Equatable {
    /// The time every byte takes to cross.
    var latency: Duration = .zero
    /// The most a slice's delay differs from `latency`, either way.
    var jitter: Duration = .zero
    /// What the link carries per second; `nil` for no limit.
    var bytesPerSecond: Int?

    /// The largest slice passed on at once: what the link carries in 10 ms (at least one
    /// byte, at most 64 KiB), or a whole read without a bandwidth limit.
    var sliceBytes: Int {
      guard let bytesPerSecond else { return Int.max }
      return max(1, min(bytesPerSecond / 100, 65_536))
    }

    /// The most bytes a direction holds (read, not yet written on): enough for the link to
    /// stay busy through the delay, within 64 KiB to 4 MiB. Reading stops above it, so a fast
    /// sender feels the slow link as TCP backpressure instead of filling the proxy's memory.
    var highWater: Int {
      guard let bytesPerSecond else { return 1 << 20 }
      let inFlight = Double(bytesPerSecond) * ((latency + jitter).seconds + 0.1)
      return Int(min(max(inFlight, 65_536), 4_194_304))
    }
  }

  /// A decision: pass on the next `bytes` bytes at `time`.
  struct Delivery: Sendable, Equatable {
    /// How many of the bytes read, in order.
    var bytes: Int
    /// When to pass them on (since the origin).
    var time: Duration
  }

  /// The settings this shaper applies.
  let settings: Settings
  private var random: SplitMix64
  /// When the link has carried every byte read so far.
  private var linkFree: Duration = .zero
  /// The time of the last delivery: no later slice goes before it.
  private var lastDelivery: Duration = .zero

  /// A shaper applying `settings`, drawing its jitter from `random`.
  init(settings: Settings, random: SplitMix64) {
    self.settings = settings
    self.random = random
  }

  /// The deliveries for `count` bytes read at `now`, in order; their byte counts add up to
  /// `count`.
  mutating func read(_ count: Int, at now: Duration) -> [Delivery] {
    var deliveries: [Delivery] = []
    var left = count
    while left > 0 {
      let bytes = min(left, settings.sliceBytes)
      left -= bytes
      var carried = now
      if let rate = settings.bytesPerSecond {
        carried = max(now, linkFree) + Self.transmission(of: bytes, at: rate)
        linkFree = carried
      }
      let time = max(carried + nextDelay(), lastDelivery)
      lastDelivery = time
      deliveries.append(Delivery(bytes: bytes, time: time))
    }
    return deliveries
  }

  /// The next slice's delay: the latency, moved by up to the jitter either way.
  private mutating func nextDelay() -> Duration {
    let jitter = Self.nanoseconds(settings.jitter)
    guard jitter > 0 else { return settings.latency }
    let offset = Int64(random.next(upperBound: UInt64(2 * jitter + 1))) - jitter
    return max(.zero, settings.latency + .nanoseconds(offset))
  }

  /// The time the link takes to carry `bytes` at `rate` bytes a second, rounded up: a slice
  /// never leaves sooner than the rate allows.
  static func transmission(of bytes: Int, at rate: Int) -> Duration {
    .nanoseconds((Int64(bytes) * 1_000_000_000 + Int64(rate) - 1) / Int64(rate))
  }

  /// A duration in whole nanoseconds.
  static func nanoseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
  }
}
