/// An instant counted as the time since its clock's origin: the instants of ``ManualClock``
/// (since the clock was made) and ``AnyClock`` (since the wrapper was made).
///
/// Instants of two different clocks are of this one type, but comparing them means nothing.
public struct OffsetInstant: InstantProtocol, CustomStringConvertible {
  /// The time since the clock's origin.
  public var offset: Duration

  /// The instant `offset` after the clock's origin.
  public init(offset: Duration) {
    self.offset = offset
  }

  /// The instant `duration` later.
  public func advanced(by duration: Duration) -> OffsetInstant {
    OffsetInstant(offset: offset + duration)
  }

  /// The time from this instant to `other`.
  public func duration(to other: OffsetInstant) -> Duration {
    other.offset - offset
  }

  /// Whether `lhs` comes before `rhs`.
  public static func < (lhs: OffsetInstant, rhs: OffsetInstant) -> Bool {
    lhs.offset < rhs.offset
  }

  /// The instant as `t+` and its offset.
  public var description: String {
    "t+\(offset)"
  }
}
