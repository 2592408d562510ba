import Foundation
import Testing

@testable import StarlingPipeline

/// A real nng peer: `Interop/sp_peer.py` on pynng, driven one command line at a time.
///
/// Every wait is bounded, so a broken peer fails the test instead of hanging it.
final class SPPeer: @unchecked Sendable {
  // Everything is set once in init; `OutputLines` guards the lines.
  private let process = Process()
  private let stdout = Pipe()
  private let stdin = Pipe()
  private var output: OutputLines?

  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  static var python: URL { root.appendingPathComponent(".venv/bin/python3") }

  /// Starts `sp_peer.py PROTOCOL ROLE URL`.
  init(_ proto: String, _ role: String, _ url: String) throws {
    guard FileManager.default.fileExists(atPath: Self.python.path) else {
      throw TestFailure(message: "no .venv with pynng at \(Self.python.path): run scripts/test.sh")
    }
    process.executableURL = Self.python
    process.arguments = [
      Self.root.appendingPathComponent("Tests/StarlingPipelineTests/Interop/sp_peer.py").path, proto, role,
      url,
    ]
    process.standardOutput = stdout
    process.standardInput = stdin
    for pipe in [stdout, stdin] {
      _ = fcntl(pipe.fileHandleForReading.fileDescriptor, F_SETFD, FD_CLOEXEC)
      _ = fcntl(pipe.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
    }
    try process.run()
    output = OutputLines(reading: stdout.fileHandleForReading)
  }

  /// The next line starting with `prefix` (other lines stay for later). After `timeout` the
  /// peer is killed and the wait fails.
  func line(_ prefix: String, timeout: Duration = .seconds(60)) async throws -> String {
    let process = process
    let line = await output?.line(prefix, timeout: timeout) {
      if process.isRunning { _ = Foundation.kill(process.processIdentifier, SIGKILL) }
    }
    guard let line else {
      throw TestFailure(
        message: "the nng peer printed no line starting with \(prefix) (it ended, or \(timeout) passed)")
    }
    return line
  }

  /// Sends one command line.
  func command(_ line: String) {
    stdin.fileHandleForWriting.write(Data((line + "\n").utf8))
  }

  /// Sends a command and returns the text of the `RECV` line it prints.
  func received(after line: String) async throws -> String {
    command(line)
    let received = try await self.line("RECV ")
    return String(received.dropFirst(5))
  }

  /// The port a peer listening on tcp port 0 chose.
  func port() async throws -> Int {
    Int(try await line("PORT ").dropFirst(5))!
  }

  /// Lets the peer close its socket and exit (without waiting for it).
  func finish() {
    try? stdin.fileHandleForWriting.close()
  }

  private func kill() {
    if process.isRunning { _ = Foundation.kill(process.processIdentifier, SIGKILL) }
  }

  deinit { kill() }
}

/// How a test joins a pipeline's socket module to a pynng peer.
enum Wiring: String, CaseIterable, CustomTestStringConvertible, Sendable {
  /// The module listens on tcp, the peer dials.
  case tcpListen
  /// The peer listens on tcp, the module dials.
  case tcpDial
  /// The module listens on ipc, the peer dials.
  case ipcListen
  /// The peer listens on ipc, the module dials.
  case ipcDial

  var testDescription: String { rawValue }

  var moduleListens: Bool { self == .tcpListen || self == .ipcListen }
  var isTCP: Bool { self == .tcpListen || self == .tcpDial }
}

/// A pipeline with one socket module joined to a pynng peer, running.
struct SocketRig {
  let pipeline: Pipeline
  let task: Task<Void, any Error>
  let peer: SPPeer
  /// The sink the pipeline's logs go to.
  let logs: String
  /// The URL the module listens on or dials.
  let url: String

  /// Starts `yaml` (where `ENDPOINT` is replaced by `listen: URL` or `dial: URL`) and a pynng
  /// `proto` peer on the other end, as `wiring` says. The YAML gets a `logs` collector and
  /// the `_logs.outbox -> logs.inbox` route; modules go under `modules:`, routes after it.
  static func start(
    _ wiring: Wiring, peer proto: String, modules: String, routes: [String]
  ) async throws -> SocketRig {
    let logs = Harness.key("logs")
    func yaml(_ endpoint: String) -> String {
      """
      modules:
      \(modules.replacingOccurrences(of: "ENDPOINT", with: endpoint))
        logs:
          module: test.collect
          arguments:
            key: \(logs)
      routes:
      \((routes + ["_logs.outbox -> logs.inbox"]).map { "  - \($0)" }.joined(separator: "\n"))
      """
    }
    let ipc = "ipc://" + NSTemporaryDirectory() + "st-pl-\(UUID().uuidString.prefix(12)).sock"
    if wiring.moduleListens {
      let pipeline = try Harness.pipeline(yaml("listen: \(wiring.isTCP ? "tcp://127.0.0.1:0" : ipc)"))
      let task = Harness.start(pipeline)
      let url = try await listeningURL(logs)
      let peer = try SPPeer(proto, "dial", url)
      _ = try await peer.line("READY")
      return SocketRig(pipeline: pipeline, task: task, peer: peer, logs: logs, url: url)
    } else {
      let peer = try SPPeer(proto, "listen", wiring.isTCP ? "tcp://127.0.0.1:0" : ipc)
      let url = wiring.isTCP ? "tcp://127.0.0.1:\(try await peer.port())" : ipc
      _ = try await peer.line("READY")
      let pipeline = try Harness.pipeline(yaml("dial: \(url)"))
      return SocketRig(pipeline: pipeline, task: Harness.start(pipeline), peer: peer, logs: logs, url: url)
    }
  }

  /// The URL in the first `listening on URL` log line.
  static func listeningURL(_ logs: String) async throws -> String {
    while true {
      let event = try await Harness.receive(1, from: logs)[0]
      if let message = event["data.message"]?.stringValue, message.hasPrefix("listening on ") {
        return String(message.dropFirst("listening on ".count))
      }
    }
  }

  /// The first log line at `level` whose message contains `text`.
  func logLine(_ level: String, containing text: String) async throws -> String {
    while true {
      let event = try await Harness.receive(1, from: logs)[0]
      if event["data.level"]?.stringValue == level, let message = event["data.message"]?.stringValue,
        message.contains(text)
      {
        return message
      }
    }
  }

  /// Stops the pipeline (at once if a graceful stop takes more than 5 s: an output may wait
  /// for a peer that is going away), then the peer.
  func stop() async throws {
    pipeline.stop()
    let pipeline = pipeline
    let fallback = Task {
      try await Task.sleep(for: .seconds(5))
      pipeline.stopNow()
    }
    defer { fallback.cancel() }
    try await task.value
    peer.finish()
  }
}

/// A throwaway CA and a server certificate for `localhost` / `127.0.0.1`, made once per test
/// process with `openssl` in a temporary directory.
enum SocketCertificates {
  /// ``directory``, made on a thread of its own: openssl is waited for there, not on one of
  /// the few threads the tests running beside this one need.
  static func load() async throws -> String {
    try await withCheckedContinuation { continuation in
      Thread { continuation.resume(returning: directory) }.start()
    }.get()
  }

  /// The directory holding `ca.crt`, `server.crt` and `server.key`.
  static let directory: Result<String, TestFailure> = Result {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "starling-pl-tls-\(UUID().uuidString.prefix(8))"
    ).path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try openssl([
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", "\(directory)/ca.key", "-out", "\(directory)/ca.crt", "-subj", "/CN=Pipeline Test CA",
      "-days", "2",
    ])
    try "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n".write(
      toFile: "\(directory)/server.ext", atomically: true, encoding: .utf8)
    try openssl([
      "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", "\(directory)/server.key", "-out", "\(directory)/server.csr", "-subj", "/CN=localhost",
    ])
    try openssl([
      "x509", "-req", "-in", "\(directory)/server.csr", "-CA", "\(directory)/ca.crt", "-CAkey",
      "\(directory)/ca.key", "-CAcreateserial", "-out", "\(directory)/server.crt", "-days", "2", "-extfile",
      "\(directory)/server.ext",
    ])
    return directory
  }.mapError { TestFailure(message: "cannot make test certificates with openssl: \($0)") }

  private static func openssl(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["openssl"] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw TestFailure(message: "openssl \(arguments.prefix(2).joined(separator: " ")) failed")
    }
  }
}
