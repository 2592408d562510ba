import Foundation
import Testing

/// A short run of `scripts/multihost.sh`: three hosts in network namespaces running `starling
/// run` pipelines joined by push/pull, pub/sub (through `starling proxy`, with a cut) and
/// req/rep, one host killed and restarted; the script checks the counts against what SP
/// promises and exits 0 only if every promise is kept.
@Suite struct MultiHostTests {
  /// Whether this machine lets the tests make network namespaces (root, and `ip netns add`
  /// works: not in every container).
  static let canMakeNamespaces: Bool = {
    guard getuid() == 0 else { return false }
    let name = "st-probe-\(getpid())"
    func ip(_ arguments: [String]) -> Bool {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["ip"] + arguments
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      guard (try? process.run()) != nil else { return false }
      process.waitUntilExit()
      return process.terminationStatus == 0
    }
    guard ip(["netns", "add", name]) else { return false }
    _ = ip(["netns", "del", name])
    return true
  }()

  @Test(
    .enabled(
      if: canMakeNamespaces,
      "skipped: making network namespaces needs root and a kernel that allows `ip netns add` here"),
    .timeLimit(.minutes(5)))
  func threeHostsKeepSPsPromisesThroughACutAndAKill() async throws {
    let run = try ChildProcess(
      "/bin/bash", [Tools.root.appendingPathComponent("scripts/multihost.sh").path],
      environment: [
        "STARLING": Tools.starlingPath, "MULTIHOST_RATE": "200", "MULTIHOST_REQUEST_RATE": "20",
        "MULTIHOST_STEP": "100", "MULTIHOST_DEADLINE": "120",
      ])
    let outcome = try await run.finish(timeout: .seconds(280))
    #expect(outcome.status == 0, "\(outcome.stdoutText)\n\(outcome.stderr)")
    let lines = outcome.stdoutText.split(separator: "\n")
    #expect(lines.last == "multihost: every promise kept")
    #expect(lines.filter { $0.hasPrefix("ok    ") }.count == 8)
    #expect(lines.contains { $0.hasPrefix("a -> b push/pull (direct, up all along)") })
  }
}
