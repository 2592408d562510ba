/// Cuts a stream of bytes into lines: `\n` ends a line, and a `\r` before it is dropped.
struct LineSplitter {
  private var pending: [UInt8] = []
  /// The longest line kept whole; longer lines are cut into pieces of this length.
  let maximumLength: Int

  init(maximumLength: Int = 1 << 20) {
    self.maximumLength = maximumLength
  }

  /// The lines `bytes` completes, in order.
  mutating func lines(_ bytes: some Collection<UInt8>) -> [String] {
    var lines: [String] = []
    for byte in bytes {
      if byte == UInt8(ascii: "\n") {
        lines.append(take())
      } else {
        pending.append(byte)
        if pending.count >= maximumLength { lines.append(take()) }
      }
    }
    return lines
  }

  /// What is left after the last newline, at the end of input (`nil` if nothing).
  mutating func finish() -> String? {
    pending.isEmpty ? nil : take()
  }

  private mutating func take() -> String {
    if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
    defer { pending.removeAll(keepingCapacity: true) }
    return String(decoding: pending, as: UTF8.self)
  }
}
