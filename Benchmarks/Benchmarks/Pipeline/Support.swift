// What the pipeline benchmarks share: transports, the payload, fixtures.

import Dispatch
import Foundation
import Synchronization

/// The transports every relay runs over.
enum Transport: String, CaseIterable, Sendable {
  case inproc
  case tcp

  /// An address to listen at, unique in this process; tcp asks for a free loopback port.
  func listenAddress(library: String) -> String {
    switch self {
    case .inproc:
      "inproc://starling-pipeline-bench-\(library)-\(getpid())-\(uniqueNumbers.add(1, ordering: .relaxed).newValue)"
    case .tcp: "tcp://127.0.0.1:0"
    }
  }
}

private let uniqueNumbers = Atomic<Int>(0)

/// The bytes every message carries: 64 lower-case ASCII letters.
let payload: [UInt8] = (0..<64).map { UInt8(ascii: "a") + UInt8($0 % 26) }

/// One contender, connected and ready, driven with Swift concurrency.
protocol AsyncFixture: AnyObject, Sendable {
  /// Sends `messages` messages through the relay and receives them at the far end.
  func run(messages: Int) async throws
  /// Closes everything the fixture opened.
  func stop() async throws
}

/// One contender, connected and ready, driven from a blocked thread.
protocol BlockingFixture: AnyObject, Sendable {
  /// Sends `messages` messages through the relay and receives them at the far end.
  func run(messages: Int) throws
  /// Closes everything the fixture opened.
  func stop() throws
}

/// Holds a benchmark's fixture from its setup to its teardown.
///
/// `@unchecked Sendable`: the benchmark tool runs a benchmark's setup, its iterations and its
/// teardown one after another, never two at once, so `value` is never touched concurrently.
final class FixtureHolder<Fixture>: @unchecked Sendable {
  var value: Fixture?
}

/// A failed call into nng, or a wrong answer.
struct LibraryError: Error, CustomStringConvertible {
  let description: String
}

/// A thread that runs a C library's side of a benchmark until its socket closes.
final class PeerThread: Sendable {
  private let finished = DispatchSemaphore(value: 0)

  init(name: String, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread { [finished] in
      body()
      finished.signal()
    }
    thread.name = name
    thread.start()
  }

  /// Waits until the thread has finished.
  func join() {
    finished.wait()
  }
}
