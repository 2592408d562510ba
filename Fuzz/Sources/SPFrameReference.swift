/// SP framing written out the slow, obvious way, for the transport targets to compare the
/// real decoder with.
enum SPFrameReference {
  /// The frames a stream holds, and whether the stream is exactly those frames (no bad
  /// prefix, nothing over the limit, nothing left over).
  static func frames(in stream: [UInt8], ipc: Bool, maxSize: Int) -> (frames: [[UInt8]], clean: Bool) {
    let prefix = ipc ? 9 : 8
    let limit = UInt64(maxSize > 0 ? maxSize : Int(Int32.max))
    var frames: [[UInt8]] = []
    var index = 0
    while stream.count - index >= prefix {
      if ipc, stream[index] != 1 { return (frames, false) }
      let length = stream[index + prefix - 8..<index + prefix].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      guard length <= limit, UInt64(stream.count - index - prefix) >= length else { return (frames, false) }
      frames.append(Array(stream[index + prefix..<index + prefix + Int(length)]))
      index += prefix + Int(length)
    }
    return (frames, index == stream.count)
  }

  /// The receive limit a fuzz byte picks: none, tiny, small or the default.
  static func limit(_ byte: UInt8) -> Int {
    [0, 1, 16, 1 << 20][Int(byte & 3)]
  }
}
