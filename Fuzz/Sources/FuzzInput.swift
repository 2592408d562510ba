/// Reads a fuzz input: a few leading bytes choose the options, the rest is the data.
struct FuzzInput {
  private let bytes: [UInt8]
  private var index = 0

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
  }

  /// The next byte, or 0 when the input is used up.
  mutating func byte() -> UInt8 {
    guard index < bytes.count else { return 0 }
    defer { index += 1 }
    return bytes[index]
  }

  /// Everything not read yet.
  mutating func rest() -> [UInt8] {
    defer { index = bytes.count }
    return Array(bytes[index...])
  }

  /// The rest cut into pieces of `size` bytes (0: one piece), as a network delivers a stream
  /// in reads of any size.
  mutating func chunks(of size: UInt8) -> [[UInt8]] {
    let data = rest()
    guard size > 0 else { return [data] }
    return stride(from: 0, to: data.count, by: Int(size)).map {
      Array(data[$0..<min($0 + Int(size), data.count)])
    }
  }
}
