import ArgumentParser
import Starling
import Testing

@testable import StarlingCommandLine

/// `starling proxy`'s flags: durations and rates with units, and what it refuses.
struct ProxyArgumentsTests {
  @Test(arguments: [
    ("20ms", Duration.milliseconds(20)), ("1.5s", .milliseconds(1500)), ("100us", .microseconds(100)),
    ("250ns", .nanoseconds(250)), ("2m", .seconds(120)), ("1h", .seconds(3600)), ("0", .zero),
  ])
  func durationsTakeUnits(text: String, duration: Duration) throws {
    #expect(try ProxyQuantity.duration(text) == duration)
  }

  @Test(arguments: [
    ("20", "'20' needs a unit: 20ms, 1.5s, 100us, 2m"),
    ("-5ms", "'-5ms' is not a duration such as 20ms, 1.5s, 100us or 2m"),
    ("fast", "'fast' is not a duration such as 20ms, 1.5s, 100us or 2m"),
    ("2d", "'2d' is not a duration such as 20ms, 1.5s, 100us or 2m"),
    ("25h", "'25h' is longer than a day"),
  ])
  func badDurationsSayWhy(text: String, message: String) {
    #expect(throws: ValidationError.self) { try ProxyQuantity.duration(text) }
    #expect((try? ProxyQuantity.duration(text)) == nil)
    do {
      _ = try ProxyQuantity.duration(text)
    } catch {
      #expect("\(error)" == message)
    }
  }

  @Test(arguments: [
    ("1MB/s", 1_000_000), ("500KB/s", 500_000), ("1MiB/s", 1_048_576), ("8Mbit/s", 1_000_000),
    ("64kbit", 8000), ("1200B/s", 1200), ("2.5GB/s", 2_500_000_000),
  ])
  func ratesTakeUnits(text: String, bytes: Int) throws {
    #expect(try ProxyQuantity.rate(text) == bytes)
  }

  @Test(arguments: ["1000", "fast", "0MB/s", "-1MB/s", "1bit/s", "2TB/s"])
  func badRatesAreRefused(text: String) {
    #expect(throws: ValidationError.self) { try ProxyQuantity.rate(text) }
  }

  @Test func theFlagsMakeTheSettings() throws {
    let command = try ProxyCommand.parse([
      "--listen", "tcp://127.0.0.1:0", "--to", "tcp://127.0.0.1:5555", "--latency", "20ms", "--jitter", "5ms",
      "--bandwidth", "1MB/s", "--cut-every", "30s", "--cut-for", "5s", "--cut-mode", "reset", "--while-cut",
      "hold",
      "--seed", "7",
    ])
    let settings = try command.settings()
    #expect(
      settings.shaping
        == .init(latency: .milliseconds(20), jitter: .milliseconds(5), bytesPerSecond: 1_000_000))
    #expect(settings.seed == 7)
    #expect(settings.cutMode == .reset)
    #expect(settings.whileCut == .hold)
    #expect(command.cutEvery == .seconds(30))
    #expect(command.cutFor == .seconds(5))
    #expect(settings.target.port == 5555)
  }

  @Test(arguments: [
    ["--listen", "inproc://x", "--to", "tcp://127.0.0.1:1"],
    ["--listen", "tcp://127.0.0.1:0", "--to", "ws://127.0.0.1:1/x"],
    ["--listen", "tcp://127.0.0.1:0", "--to", "nonsense"],
    ["--listen", "tcp://127.0.0.1:0"],
    ["--listen", "tcp://127.0.0.1:0", "--to", "tcp://127.0.0.1:1", "--latency", "20"],
    ["--listen", "tcp://127.0.0.1:0", "--to", "tcp://127.0.0.1:1", "--bandwidth", "lots"],
    ["--listen", "tcp://127.0.0.1:0", "--to", "tcp://127.0.0.1:1", "--cut-every", "0s"],
    ["--listen", "tcp://127.0.0.1:0", "--to", "tcp://127.0.0.1:1", "--cut-mode", "explode"],
    ["--listen", "tcp://127.0.0.1:0", "--to", "tcp://127.0.0.1:1", "--seed", "-1"],
  ])
  func badFlagsAreRefusedBeforeAnythingStarts(arguments: [String]) {
    #expect(throws: (any Error).self) { try ProxyCommand.parse(arguments) }
  }
}
