/// How a link between two hosts of a ``VirtualNetwork`` carries messages: its delay, its
/// speed, and how often it resets a connection.
///
/// A message sent at time `t` waits for the link's earlier messages in the same direction to be
/// transmitted (at ``bytesPerSecond``), is transmitted itself, then travels for ``latency`` plus
/// a random part of ``jitter``. Messages of one connection arrive in the order they were sent,
/// as over TCP: a message whose jitter would let it overtake an earlier one waits for it.
public struct VirtualLinkConditions: Sendable, Hashable {
  /// The fixed part of the time a message travels.
  public var latency: Duration
  /// The largest random delay added to ``latency``: each message draws one, evenly between
  /// zero and this, from the network's seeded generator.
  public var jitter: Duration
  /// How many bytes a second each direction of the link transmits (a message counts its header
  /// and body); `nil`, the default, transmits any message at once.
  public var bytesPerSecond: Int?
  /// The chance, from 0 to 1, that sending a message resets its connection instead: the
  /// message and whatever the connection had in flight are lost, and both ends see the pipe
  /// close. Drawn for each message from the network's seeded generator.
  public var resetProbability: Double

  /// A link with the given conditions; the defaults make a perfect one (no delay, no limit, no
  /// faults).
  ///
  /// - Parameters:
  ///   - latency: the fixed delay of every message (zero or more).
  ///   - jitter: the largest random delay added to each message (zero or more).
  ///   - bytesPerSecond: the speed of each direction; `nil` for no limit.
  ///   - resetProbability: the chance each message resets its connection (0 to 1).
  public init(
    latency: Duration = .zero, jitter: Duration = .zero, bytesPerSecond: Int? = nil,
    resetProbability: Double = 0
  ) {
    self.latency = latency
    self.jitter = jitter
    self.bytesPerSecond = bytesPerSecond
    self.resetProbability = resetProbability
  }

  /// What is wrong with these conditions, if anything: a negative time, a speed below one byte a
  /// second, or a probability outside 0 to 1.
  var problem: String? {
    if latency < .zero { return "the latency \(latency) is negative" }
    if jitter < .zero { return "the jitter \(jitter) is negative" }
    if let bytesPerSecond, bytesPerSecond < 1 {
      return "the bandwidth \(bytesPerSecond) bytes a second is below one"
    }
    if !(0...1).contains(resetProbability) {
      return "the reset probability \(resetProbability) is not between 0 and 1"
    }
    return nil
  }
}
