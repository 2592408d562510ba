import Foundation

/// Where `starling proxy` says what it did: one line per event (a connection opened or closed
/// with its byte counts, a cut, a heal), each starting with the seconds since the proxy started.
struct ProxyLog: Sendable {
  private let start = ContinuousClock.now
  private let write: @Sendable (String) -> Void

  /// A log writing each line with `write` (standard error unless given).
  init(write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
    self.write = write
  }

  /// Writes `line`, after the time since the start (`12.345 `) and ending with a newline.
  func callAsFunction(_ line: String) {
    let elapsed = (ContinuousClock.now - start).seconds
    let millis = Int((elapsed * 1000).rounded(.down))
    let fraction = String(millis % 1000)
    write("\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) \(line)\n")
  }
}
