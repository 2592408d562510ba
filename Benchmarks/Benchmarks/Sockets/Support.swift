// What the socket benchmarks share: transports, message sizes, fixtures and peer threads.

import Dispatch
import Foundation
import Synchronization

/// The transports every pattern runs over.
enum Transport: String, CaseIterable, Sendable {
  case inproc
  case ipc
  case tcp
  /// tls+tcp, with a throwaway certificate (``BenchmarkCertificates``). No libzmq.
  case tls
  /// WebSocket. No libzmq.
  case ws

  /// Whether libzmq has this transport.
  var zmqHasIt: Bool { self != .tls && self != .ws }

  /// An address to listen at, unique in this process (and, for ipc, on this machine while the
  /// process lives). tcp asks the system for a free port on the loopback interface: `port` is
  /// `0` for Starling and nng, `*` for libzmq; the fixtures read back the port chosen.
  func listenAddress(library: String, port: String = "0") -> String {
    let unique = "\(library)-\(getpid())-\(uniqueNumbers.add(1, ordering: .relaxed).newValue)"
    switch self {
    case .inproc: return "inproc://starling-bench-\(unique)"
    case .ipc: return "ipc:///tmp/starling-bench-\(unique).sock"
    case .tcp: return "tcp://127.0.0.1:\(port)"
    case .tls: return "tls+tcp://127.0.0.1:\(port)"
    case .ws: return "ws://127.0.0.1:\(port)/bench"
    }
  }
}

/// A throwaway authority and a server certificate for `localhost` and `127.0.0.1`, made with
/// `openssl` in a temporary directory the first time a tls benchmark runs.
struct BenchmarkCertificates: Sendable {
  let caPEM: String
  let certificatePEM: String
  let keyPEM: String

  static let shared: BenchmarkCertificates = {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "starling-bench-tls-\(getpid())")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = { (name: String) in directory.appendingPathComponent(name).path }
    try? "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n".write(
      toFile: path("ext"), atomically: true, encoding: .utf8)
    let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for arguments in [
      ["req", "-x509"] + curve + [
        "-keyout", path("ca.key"), "-out", path("ca.crt"), "-subj", "/CN=Bench CA", "-days", "2",
      ],
      ["req"] + curve + [
        "-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost",
      ],
      [
        "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
        "-CAcreateserial", "-out", path("server.crt"), "-days", "2", "-extfile", path("ext"),
      ],
    ] {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["openssl"] + arguments
      process.standardError = FileHandle.nullDevice
      try! process.run()
      process.waitUntilExit()
      precondition(process.terminationStatus == 0, "openssl \(arguments[0]) failed")
    }
    let read = { (name: String) in try! String(contentsOfFile: path(name), encoding: .utf8) }
    return BenchmarkCertificates(
      caPEM: read("ca.crt"), certificatePEM: read("server.crt"), keyPEM: read("server.key"))
  }()
}

private let uniqueNumbers = Atomic<Int>(0)

/// The message sizes every pattern and transport runs with.
enum MessageSize: Int, CaseIterable, Sendable {
  case small = 64
  case medium = 1024
  case large = 65536

  /// The size as it appears in benchmark names.
  var label: String {
    switch self {
    case .small: "64B"
    case .medium: "1KiB"
    case .large: "64KiB"
    }
  }

  /// A payload of this size.
  var payload: [UInt8] {
    (0..<rawValue).map { UInt8(truncatingIfNeeded: $0) }
  }
}

/// One contender's sockets for one scenario, connected and ready, driven with Swift concurrency.
protocol AsyncFixture: AnyObject, Sendable {
  /// Moves `messages` messages (or round trips).
  func run(messages: Int) async throws
  /// Closes everything the fixture opened.
  func stop() async throws
}

/// One contender's sockets for one scenario, connected and ready, driven by blocking C calls.
protocol BlockingFixture: AnyObject, Sendable {
  /// Moves `messages` messages (or round trips).
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

/// A thread that runs a C library's side of a benchmark (a pull counter, a rep echo server)
/// until that side sees the end of the run.
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

/// A failed call into nng or libzmq.
struct LibraryError: Error, CustomStringConvertible {
  let description: String
}

/// Tells the benchmark thread that a peer thread has received a whole batch of messages.
final class BatchSignal: Sendable {
  private let semaphore = DispatchSemaphore(value: 0)

  /// A batch is complete.
  func signal() {
    semaphore.signal()
  }

  /// Waits for the next complete batch.
  func wait() {
    semaphore.wait()
  }
}
