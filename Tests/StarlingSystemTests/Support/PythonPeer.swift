import Foundation
import StarlingSystem

/// A peer written in Python (`Peers/*.py`), run as a ``ChildProcess``: the tests talk to real
/// programs, on Python's own socket, ssl and UDP code. A peer ends when its standard input (a
/// pipe from the test) ends, so none outlives a test process that crashed.
struct PythonPeer: Sendable {
  let process: ChildProcess

  static let directory =
    String(#filePath.prefix(upTo: #filePath.range(of: "/Support/")!.lowerBound)) + "/Peers"

  /// Starts `Peers/SCRIPT ARGUMENTS…` with `environment` added to the test's.
  static func start(
    _ script: String, _ arguments: [String], environment: [String: String] = [:]
  ) async throws -> PythonPeer {
    let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let process = try await ChildProcess.spawn(
      "python3", arguments: ["-u", "\(directory)/\(script)"] + arguments, environment: merged,
      stderr: .inherit, terminationGrace: .seconds(1))
    return PythonPeer(process: process)
  }

  /// The rest of the next line of output that starts with `prefix` (lines before it are
  /// skipped).
  func line(_ prefix: String) async throws -> String {
    while let line = try await process.stdout.readLine() {
      if line.hasPrefix(prefix) {
        return String(line.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
      }
    }
    throw PeerError("the peer ended before printing '\(prefix)'")
  }

  /// Every line of output until `END`.
  func linesUntilEnd() async throws -> [String] {
    var lines: [String] = []
    while let line = try await process.stdout.readLine(), line != "END" { lines.append(line) }
    return lines
  }

  /// Kills the peer (it is reaped in the background).
  func kill() {
    try? process.send(.kill)
  }
}

/// A test's own failure, with what went wrong.
struct PeerError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
