/// The pipes a fan-out protocol (pub, bus, surveyor) sends every message to, in the order they
/// came.
struct FanOut: Sendable {
  private var pipes: [PipeID] = []

  mutating func add(_ pipe: PipeID) { pipes.append(pipe) }
  mutating func remove(_ pipe: PipeID) { pipes.removeAll { $0 == pipe } }

  /// The message for every pipe but `excluded`; the pipes that are not ready lose it.
  func route(_ message: Message, ready: [PipeID], excluding excluded: PipeID? = nil) -> RouteDecision {
    let targets = pipes.filter { $0 != excluded }
    guard !targets.isEmpty else { return .discard }
    let writes = targets.filter { ready.contains($0) }.map { PipeWrite(pipe: $0, message: message) }
    return .fanOut(writes, dropped: targets.count - writes.count)
  }
}
