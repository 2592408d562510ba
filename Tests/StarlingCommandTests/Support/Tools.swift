import Foundation
import Testing

/// The programs the command tests run, and unique addresses for them.
enum Tools {
  /// The package's root directory.
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// The `starling` binary SwiftPM built next to this test bundle.
  static let starlingPath = builtProgram("starling")

  /// Examples/CustomModule's command, built by this package as `CustomModuleExample`.
  static let customModuleExamplePath = builtProgram("CustomModuleExample")

  /// A program SwiftPM built next to this test bundle (the build directory depends on
  /// `--scratch-path` and the configuration, so it is found at run time).
  static func builtProgram(_ name: String) -> String {
    var directories: [URL] = []
    if let first = CommandLine.arguments.first {
      directories.append(URL(fileURLWithPath: first).resolvingSymlinksInPath().deletingLastPathComponent())
    }
    directories.append(Bundle.main.bundleURL.deletingLastPathComponent())
    directories.append(Bundle.main.bundleURL)
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
      directories.append(bundle.bundleURL.deletingLastPathComponent())
    }
    for directory in directories {
      let candidate = directory.appendingPathComponent(name).path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return directories.first.map { $0.appendingPathComponent(name).path } ?? name
  }

  /// Debian's nngcat (package nng-utils, installed by scripts/test.sh).
  static let nngcatPath = "/usr/bin/nngcat"

  /// pynng's python (scripts/test.sh makes the .venv).
  static let python = root.appendingPathComponent(".venv/bin/python3").path

  /// Runs `starling ARGUMENTS`.
  static func starling(
    _ arguments: [String], stdin: Data? = nil, keepInputOpen: Bool = false,
    environment: [String: String] = [:]
  ) throws -> ChildProcess {
    try ChildProcess(
      starlingPath, arguments, stdin: stdin, keepInputOpen: keepInputOpen, environment: environment)
  }

  /// Runs nngcat with stdout line-buffered, so `--verbose`'s "Listening at:" line can be awaited.
  static func nngcat(_ arguments: [String]) throws -> ChildProcess {
    guard FileManager.default.isExecutableFile(atPath: nngcatPath) else {
      throw ProcessError("no \(nngcatPath): run scripts/test.sh, which installs nng-utils")
    }
    return try ChildProcess("/usr/bin/stdbuf", ["-oL", nngcatPath] + arguments)
  }

  /// Runs `starling cat ARGUMENTS` to its end.
  static func cat(
    _ arguments: [String], stdin: Data? = nil, timeout: Duration = .seconds(30)
  ) async throws
    -> ChildProcess.Outcome
  {
    try await starling(["cat"] + arguments, stdin: stdin).finish(timeout: timeout)
  }

  /// A unique ipc address.
  static func ipc(_ tag: String = "cat") -> String {
    "ipc://" + NSTemporaryDirectory() + "st-\(tag)-\(UUID().uuidString.prefix(12)).sock"
  }

  /// A tcp port that was free a moment ago (for a peer that cannot listen on port 0 and say
  /// which port it got).
  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ProcessError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw ProcessError("bind() failed") }
    let named = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw ProcessError("getsockname() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  /// The URL a `--verbose` listener printed ("Listening at: URL").
  static func listeningURL(
    _ process: ChildProcess, on stream: ChildProcess.Stream = .stderr
  ) async throws
    -> String
  {
    let line = try await process.line(startingWith: "Listening at: ", on: stream)
    return String(line.dropFirst("Listening at: ".count))
  }

  /// The C perf peer (Tests/Interop/perf_peer.c against libnng-dev), compiled once, on a thread
  /// of its own: the compiler is waited for there, not on one of the few threads of Swift's pool.
  static func perfPeer() async throws -> String {
    try await withCheckedContinuation { continuation in
      Thread { continuation.resume(returning: compiledPerfPeer) }.start()
    }.get()
  }

  private static let compiledPerfPeer: Result<String, ProcessError> = {
    let source = root.appendingPathComponent("Tests/Interop/perf_peer.c").path
    let binary = NSTemporaryDirectory() + "starling-perf-peer-\(ProcessInfo.processInfo.processIdentifier)"
    let compiler = Process()
    compiler.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
    compiler.arguments = ["-O1", "-o", binary, source, "-lnng"]
    do {
      try compiler.run()
      compiler.waitUntilExit()
    } catch {
      return .failure(ProcessError("cannot run cc: \(error)"))
    }
    guard compiler.terminationStatus == 0 else {
      return .failure(ProcessError("cc failed on perf_peer.c: is libnng-dev installed (scripts/test.sh)?"))
    }
    return .success(binary)
  }()
}
