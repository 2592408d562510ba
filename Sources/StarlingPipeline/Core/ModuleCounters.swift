import Starling
import Synchronization

import struct StarlingChannels.Lock

/// One module's counters and the socket it watches, shared by the copies of its
/// ``ModuleContext``. Counting is an atomic add per event; the numbers are read when asked for
/// (``Pipeline/moduleStatistics``), not pushed.
final class ModuleCounters: Sendable {
  /// A socket a module opened, and the addresses it dials if it waits for a peer there.
  struct Watched: Sendable {
    let statistics: @Sendable () -> SocketStatistics
    let awaitedPeers: [String]
  }

  private let processedCount = Atomic<Int>(0)
  private let failedCount = Atomic<Int>(0)
  private let watched = Lock<Watched?>.make(nil)

  /// Counts an event handled.
  func processed() { processedCount.add(1, ordering: .relaxed) }

  /// Counts an event sent to `failure`.
  func failed() { failedCount.add(1, ordering: .relaxed) }

  /// Shows `socket`'s statistics with the module's; while `awaitedPeers` is not empty and the
  /// socket has no pipe, the module is not ready.
  func watch(_ socket: some Socket, awaitedPeers: [String]) {
    watched.withLock { $0 = Watched(statistics: { socket.statistics }, awaitedPeers: awaitedPeers) }
  }

  /// The numbers now, under the module's name and type.
  func statistics(name: String, type: String) -> ModuleStatistics {
    let socket = watched.withLock { $0 }
    let statistics = socket?.statistics()
    var waitingFor: String?
    if let socket, let statistics, !socket.awaitedPeers.isEmpty, statistics.pipesOpen == 0 {
      waitingFor = "no peer yet on \(socket.awaitedPeers.joined(separator: ", "))"
    }
    return ModuleStatistics(
      name: name, type: type, processed: processedCount.load(ordering: .relaxed),
      failed: failedCount.load(ordering: .relaxed), socket: statistics, waitingFor: waitingFor)
  }
}
