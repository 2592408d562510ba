import Synchronization

/// Identifies one pipe (one connection after its handshake) within the process.
///
/// Identifiers are 31-bit, with the top bit clear, as nng's are: a raw `Rep0` pushes them onto
/// a request's backtrace, where the top bit marks the request ID.
public struct PipeID: Hashable, Sendable, Comparable, CustomStringConvertible {
  /// The identifier's value, from 1 to `0x7fff_ffff`.
  public let rawValue: UInt32

  /// Wraps a raw identifier.
  public init(rawValue: UInt32) {
    self.rawValue = rawValue
  }

  /// `pipe#N`.
  public var description: String { "pipe#\(rawValue)" }

  /// Orders identifiers by value.
  public static func < (lhs: PipeID, rhs: PipeID) -> Bool { lhs.rawValue < rhs.rawValue }

  private static let counter = Atomic<UInt32>(UInt32.random(in: 1...0x3fff_ffff))

  /// A fresh identifier, unique in the process (until 2³¹ pipes have been made): what a
  /// transport gives each new ``PipeConnection``.
  public static func next() -> PipeID {
    while true {
      let value = counter.wrappingAdd(1, ordering: .relaxed).newValue & 0x7fff_ffff
      if value != 0 { return PipeID(rawValue: value) }
    }
  }
}
