// What the RPC benchmarks share: transports, the payload, fixtures.

import Foundation
import Synchronization

/// The transports every scenario runs over.
enum Transport: String, CaseIterable, Sendable {
  case inproc
  case tcp

  /// An address to listen at, unique in this process; tcp asks for a free loopback port.
  func listenAddress(library: String) -> String {
    switch self {
    case .inproc:
      "inproc://starling-rpc-bench-\(library)-\(getpid())-\(uniqueNumbers.add(1, ordering: .relaxed).newValue)"
    case .tcp: "tcp://127.0.0.1:0"
    }
  }
}

private let uniqueNumbers = Atomic<Int>(0)

/// The bytes every call carries: 64 printable ASCII characters.
let payload: [UInt8] = (0..<64).map { UInt8(ascii: "a") + UInt8($0 % 26) }

/// How many of `calls` calls caller number `caller` of `callers` makes.
func share(of calls: Int, caller: Int, callers: Int) -> Int {
  calls / callers + (caller < calls % callers ? 1 : 0)
}

/// One contender's sockets for one scenario, connected and ready, driven with Swift concurrency.
protocol AsyncFixture: AnyObject, Sendable {
  /// Makes `calls` calls.
  func run(calls: Int) async throws
  /// Closes everything the fixture opened.
  func stop() async throws
}

/// One contender's sockets for one scenario, connected and ready, driven from a blocked thread.
protocol BlockingFixture: AnyObject, Sendable {
  /// Makes `calls` calls.
  func run(calls: Int) throws
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
