import Foundation
import Testing

/// A real nng peer: `Tests/Interop/peer.py` running on pynng (which bundles nng 1.11).
///
/// The test reads the peer's events line by line; every wait is bounded so a broken peer fails
/// the test instead of hanging it.
final class NngPeer: @unchecked Sendable {
  // Everything is set once in init; `OutputLines` guards the lines.
  private let process = Process()
  private let stdout = Pipe()
  private let stdin = Pipe()
  private var output: OutputLines?

  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  static var python: URL {
    root.appendingPathComponent(".venv/bin/python3")
  }

  /// Starts `SCRIPT PROTOCOL ROLE URL COUNT`, where the script (in `Tests/Interop`) is `peer.py`
  /// unless given, with `environment` added to the test's (the `PEER_TLS_*` settings for tls+tcp
  /// and wss).
  convenience init(
    _ proto: String, _ role: String, _ url: String, count: Int, script: String = "peer.py",
    environment: [String: String] = [:]
  ) throws {
    try self.init(script: script, arguments: [proto, role, url, String(count)], environment: environment)
  }

  /// Starts `SCRIPT ARGUMENTS…` (the script in `Tests/Interop`) on pynng.
  init(script: String, arguments: [String], environment: [String: String] = [:]) throws {
    guard FileManager.default.fileExists(atPath: Self.python.path) else {
      throw PeerError("no .venv with pynng at \(Self.python.path): run scripts/test.sh, which installs it")
    }
    process.executableURL = Self.python
    process.arguments = [Self.root.appendingPathComponent("Tests/Interop/\(script)").path] + arguments
    process.standardOutput = stdout
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    process.standardInput = stdin
    // Close-on-exec, so a program another test starts at the same time does not inherit these
    // pipes (a stray holder of the peer's standard input keeps `finish()` from ending it).
    for pipe in [stdout, stdin] {
      _ = fcntl(pipe.fileHandleForReading.fileDescriptor, F_SETFD, FD_CLOEXEC)
      _ = fcntl(pipe.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
    }
    try process.run()
    output = OutputLines(reading: stdout.fileHandleForReading)
  }

  /// The next line starting with `prefix` (lines with other prefixes stay for later). After
  /// `timeout` the peer is killed and the wait fails.
  func line(_ prefix: String, timeout: Duration = .seconds(90)) async throws -> String {
    let process = process
    let line = await output?.line(prefix, timeout: timeout) {
      if process.isRunning { _ = Foundation.kill(process.processIdentifier, SIGKILL) }
    }
    guard let line else {
      throw PeerError("the nng peer printed no line starting with \(prefix) (it ended, or \(timeout) passed)")
    }
    return line
  }

  /// The port a listening peer chose.
  func port() async throws -> Int {
    let line = try await line("PORT ")
    return Int(line.dropFirst(5))!
  }

  /// The bodies of the next `count` events of this kind ("RECV" or "SENT"), as text.
  func bodies(_ kind: String, count: Int) async throws -> [String] {
    var result: [String] = []
    for _ in 0..<count {
      let hex = try await line(kind + " ").dropFirst(kind.count + 1)
      result.append(String(decoding: Self.bytes(fromHex: hex), as: UTF8.self))
    }
    return result
  }

  static func bytes(fromHex hex: Substring) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
      let next = hex.index(index, offsetBy: 2)
      bytes.append(UInt8(hex[index..<next], radix: 16)!)
      index = next
    }
    return bytes
  }

  /// Lets the peer close its socket and exit. Does not wait for it: a blocking wait would hold
  /// one of the concurrency pool's threads (two on a 2-core machine) and stall every other test.
  func finish() {
    try? stdin.fileHandleForWriting.close()
  }

  /// Kills the peer. SIGKILL, not `Process.terminate()`'s SIGTERM: a child started from one of
  /// the test runner's threads inherits that thread's blocked signals, SIGTERM among them.
  private func kill() {
    if process.isRunning { _ = Foundation.kill(process.processIdentifier, SIGKILL) }
  }

  deinit {
    kill()
  }
}

struct PeerError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// A unique ipc path for one test.
func uniqueIPCPath(_ name: String = #function) -> String {
  let clean = name.filter { $0.isLetter || $0.isNumber }.prefix(20)
  return "ipc:///tmp/starling-\(clean)-\(UUID().uuidString.prefix(8)).sock"
}
