import Foundation

/// Where `starling cat` writes: message bodies to one place, notes about connections to another.
protocol CatOutput: Sendable {
  /// Writes printed message bytes (stdout).
  func write(_ bytes: [UInt8])
  /// Writes one line about what the command does (stderr), such as `Listening at: URL`.
  func note(_ line: String)
}

/// The process's stdout and stderr, unbuffered, so every message shows as it arrives.
struct StandardOutput: CatOutput {
  func write(_ bytes: [UInt8]) {
    if !bytes.isEmpty { FileHandle.standardOutput.write(Data(bytes)) }
  }

  func note(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }
}
