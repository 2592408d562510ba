import ArgumentParser
import StarlingNetwork
import UnixSignals

/// `starling proxy`: a TCP proxy that adds latency, jitter and a bandwidth limit, and cuts
/// connections on a schedule or a signal, so a real nng or Starling system can be tested
/// against a bad network.
struct ProxyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "proxy",
    abstract: "Forward TCP connections with latency, jitter, a bandwidth limit, and cuts.",
    discussion: """
      Every connection to --listen is forwarded to --to. Each way, bytes are held for \
      --latency, plus or minus up to --jitter (uniform; bytes keep their order, as TCP keeps \
      them), and the link carries at most --bandwidth. A cut closes every connection (or \
      resets it, with --cut-mode reset); while the link is cut, new connections are refused \
      (reset at once) or held until it heals (--while-cut hold). Cuts come from the schedule \
      (--cut-every, each lasting --cut-for) or from signals: SIGUSR1 cuts, SIGUSR2 heals. \
      SIGINT or SIGTERM stops. Every connection (opened, closed, bytes each way), cut and \
      heal is a line on stderr. Random faults come from --seed: the same seed gives the same \
      faults; without one a seed is chosen and printed.
      """)

  @Option(help: "Where to accept connections: tcp://HOST:PORT (port 0: the system picks) or ipc://PATH.")
  var listen: String

  @Option(help: "Where to forward them: tcp://HOST:PORT or ipc://PATH.")
  var to: String

  @Option(help: "Delay each way, such as 20ms.", transform: ProxyQuantity.duration)
  var latency: Duration = .zero

  @Option(help: "Most the delay varies either way, such as 5ms.", transform: ProxyQuantity.duration)
  var jitter: Duration = .zero

  @Option(
    help: "Most bytes a second each way, such as 1MB/s, 512KiB/s, 8Mbit/s.", transform: ProxyQuantity.rate)
  var bandwidth: Int?

  @Option(
    help: "Cut the link after each such stretch of time up, such as 30s.", transform: ProxyQuantity.duration)
  var cutEvery: Duration?

  @Option(
    help: "How long each scheduled cut lasts (0: connections are cut and new ones go through at once).",
    transform: ProxyQuantity.duration)
  var cutFor: Duration = .zero

  @Option(help: "What a cut does to connections: close (FIN) or reset (RST).")
  var cutMode: ProxyServer.CutMode = .close

  @Option(help: "What happens to new connections while cut: refuse (reset at once) or hold (until healed).")
  var whileCut: ProxyServer.CutPolicy = .refuse

  @Option(help: "The seed of the random faults.")
  var seed: UInt64?

  func validate() throws {
    for (flag, url) in [("--listen", listen), ("--to", to)] {
      let address: Address
      do {
        address = try Address(url)
      } catch {
        throw ValidationError("\(flag): \(error)")
      }
      guard address.transport == .tcp || address.transport == .ipc else {
        throw ValidationError(
          "\(flag): the proxy forwards tcp:// and ipc:// streams, not \(address.scheme)://")
      }
    }
    if let cutEvery, cutEvery <= .zero {
      throw ValidationError("--cut-every must be more than 0")
    }
  }

  /// The proxy's settings from the flags.
  func settings() throws -> ProxyServer.Settings {
    var settings = ProxyServer.Settings(listen: try Address(listen), target: try Address(to))
    settings.shaping = ProxyShaper.Settings(latency: latency, jitter: jitter, bytesPerSecond: bandwidth)
    settings.seed = seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
    settings.cutMode = cutMode
    settings.whileCut = whileCut
    return settings
  }

  func run() async throws {
    // Trapped before anything starts: a signal sent as soon as the listening line is out
    // must not end the process with the default action.
    let signals = await UnixSignalsSequence(trapping: .sigusr1, .sigusr2, .sigint, .sigterm)
    let log = ProxyLog()
    let settings = try settings()
    let proxy = ProxyServer(settings: settings, log: log)
    let bound = try await proxy.start()
    log("listening on \(bound.url), forwarding to \(settings.target.url); \(describe(settings))")
    let schedule = cutEvery.map { every in
      Task {
        while !Task.isCancelled {
          try await Task.sleep(for: every)
          proxy.cut("every \(ProxyQuantity.format(every))")
          if cutFor > .zero { try await Task.sleep(for: cutFor) }
          proxy.heal("after \(ProxyQuantity.format(cutFor))")
        }
      }
    }
    var stopCause = "end of signals"
    loop: for await signal in signals {
      switch signal {
      case .sigusr1: proxy.cut("SIGUSR1")
      case .sigusr2: proxy.heal("SIGUSR2")
      default:
        stopCause = "\(signal)"
        break loop
      }
    }
    schedule?.cancel()
    await proxy.stop(stopCause)
  }

  /// The faults, in words, for the first line.
  private func describe(_ settings: ProxyServer.Settings) -> String {
    var parts = [
      "latency \(ProxyQuantity.format(latency))", "jitter \(ProxyQuantity.format(jitter))",
      "bandwidth " + (bandwidth.map { "\($0) bytes/s" } ?? "unlimited"),
    ]
    if let cutEvery {
      parts.append("a cut every \(ProxyQuantity.format(cutEvery)) for \(ProxyQuantity.format(cutFor))")
    }
    parts.append("cuts \(settings.cutMode.rawValue), new connections while cut \(settings.whileCut.rawValue)")
    parts.append("seed \(settings.seed)")
    return parts.joined(separator: ", ")
  }
}

extension ProxyServer.CutMode: ExpressibleByArgument {}
extension ProxyServer.CutPolicy: ExpressibleByArgument {}
