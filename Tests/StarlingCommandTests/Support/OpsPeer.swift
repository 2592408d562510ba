import Foundation
import Testing

/// Tests/Interop/ops_peer.py: the real HTTP(S) sink, TLS clients and server and line client
/// the production tests run `starling` against, and the certificates they use.
enum OpsPeer {
  static let script = Tools.root.appendingPathComponent("Tests/Interop/ops_peer.py").path

  /// Runs `ops_peer.py ARGUMENTS`.
  static func start(_ arguments: [String], keepInputOpen: Bool = false) throws -> ChildProcess {
    try ChildProcess(Tools.python, ["-u", script] + arguments, keepInputOpen: keepInputOpen)
  }

  /// The port a peer printed as `listening PORT`.
  static func port(of peer: ChildProcess) async throws -> Int {
    let line = try await peer.line(startingWith: "listening ", on: .stdout)
    guard let port = Int(line.dropFirst("listening ".count)) else {
      throw ProcessError("no port in '\(line)'")
    }
    return port
  }

  /// The port `starling run` printed in its `listening on tcp://HOST:PORT` line (or
  /// `tls+tcp://`), waiting for it.
  static func listeningPort(of run: ChildProcess, module: String? = nil) async throws -> Int {
    let line = try await run.line(containing: "\(module.map { "\($0): " } ?? "")listening on ")
    guard let port = line.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
      throw ProcessError("no port in '\(line)'")
    }
    return port
  }

  /// Certificates made once per test process: `ca`, `server` (localhost and 127.0.0.1, signed
  /// by ca), `client` (signed by ca), `stranger` (signed by another authority).
  struct Certificates: Sendable {
    let directory: String

    /// `directory/name.kind` (`crt` or `key`).
    func path(_ name: String, _ kind: String) -> String { "\(directory)/\(name).\(kind)" }

    private static let shared: Result<Certificates, ProcessError> = {
      let directory = NSTemporaryDirectory() + "starling-ops-certs-\(UUID().uuidString.prefix(8))"
      let maker = Process()
      maker.executableURL = URL(fileURLWithPath: Tools.python)
      maker.arguments = [script, "make-certs", directory]
      maker.standardOutput = FileHandle.nullDevice
      do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try maker.run()
        maker.waitUntilExit()
      } catch {
        return .failure(ProcessError("cannot make certificates: \(error)"))
      }
      guard maker.terminationStatus == 0 else {
        return .failure(ProcessError("ops_peer.py make-certs failed"))
      }
      return .success(Certificates(directory: directory))
    }()

    /// The certificates; openssl runs on a thread of its own the first time, not on one of
    /// the few threads of Swift's pool.
    static func make() async throws -> Certificates {
      try await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: shared) }.start()
      }.get()
    }
  }

  /// Writes `yaml` to a new temporary file and returns its path.
  static func config(_ yaml: String) throws -> String {
    try PipelineCommandTests.config(yaml)
  }

  /// Replaces the file's text (atomically: a reload never reads half a file).
  static func rewrite(_ file: String, _ yaml: String) throws {
    try yaml.write(toFile: file, atomically: true, encoding: .utf8)
  }
}
