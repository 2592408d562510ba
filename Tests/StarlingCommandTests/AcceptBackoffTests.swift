import Foundation
import Starling
import Testing

/// A listener that runs out of file descriptors backs off and says why, instead of retrying
/// accept at once on every event loop tick (which kept a core busy and logged nothing), and
/// serves again once connections close.
@Suite(.timeLimit(.minutes(5))) struct AcceptBackoffTests {
  /// The descriptor limit of the listening process: few enough that the connections below
  /// exhaust it.
  static let descriptorLimit = 64

  /// The listeners share one bootstrap; tls+tcp and wss differ from tcp and ws only in their
  /// handlers, which come after the accept.
  /// Not under ThreadSanitizer: a TSan-built listener run out of descriptors ended with TSan's
  /// exit status (66) and no report in 2 of 4 clean-clone TSan passes (its runtime needs
  /// descriptors of its own); the debug pass runs the test.
  @Test(
    .disabled(
      if: HostileConfigCommandTests.underThreadSanitizer, "TSan's runtime needs descriptors of its own"),
    arguments: ["tcp", "ipc", "ws"])
  func aListenerOutOfDescriptorsBacksOffSaysWhyAndServesAgainOnceConnectionsClose(
    transport: String
  )
    async throws
  {
    let port = try Tools.freePort()
    let url =
      switch transport {
      case "ipc": Tools.ipc("emfile")
      case "ws": "ws://127.0.0.1:\(port)/emfile"
      default: "tcp://127.0.0.1:\(port)"
      }
    // How the log names the listener: a WebSocket server serves several paths on its port.
    let listener = transport == "ws" ? "ws://127.0.0.1:\(port)" : url
    let rep = try ChildProcess(
      "/usr/bin/prlimit",
      [
        "--nofile=\(Self.descriptorLimit)", Tools.starlingPath, "cat", "--rep0", "--listen", url, "--data",
        "ok", "-v",
      ])
    defer { rep.signal(SIGKILL) }
    _ = try await Tools.listeningURL(rep)

    // More connections than the listener has descriptors: it takes what it can, the rest wait
    // in the kernel's backlog, and each attempt to accept them fails with EMFILE.
    let start = ContinuousClock.now
    var clients: [CInt] = []
    defer { for client in clients { close(client) } }
    for _ in 0..<(Self.descriptorLimit * 5 / 4) { clients.append(try Self.reqConnection(to: url)) }
    let line = try await rep.line(containing: "cannot accept connections")
    #expect(line.contains("EMFILE"))
    #expect(line.contains("at \(listener):"))

    // While the descriptors stay exhausted, the listener waits between attempts instead of
    // retrying at once: it uses a small part of the time that passes. (The sleep is the
    // measurement's window, not a synchronisation.)
    let cpuBefore = try await Self.cpuSeconds(of: rep)
    let windowStart = ContinuousClock.now
    try await Task.sleep(for: .seconds(2))
    let cpu = try await Self.cpuSeconds(of: rep) - cpuBefore
    let window = (ContinuousClock.now - windowStart) / .seconds(1)
    #expect(cpu < 0.3 * window, "the listener used \(cpu) s of CPU in \(window) s")

    // Once the connections close, it accepts again, says so, and answers.
    for client in clients { close(client) }
    clients = []
    var options = SocketOptions()
    options.receiveTimeout = .seconds(30)
    let req = Req0(options: options)
    defer { req.close() }
    try await req.dial(url)
    #expect(try await req.request("hello").string == "ok")
    let recovered = try await rep.line(containing: "accepting connections at \(listener) again")
    // A failed attempt is followed by a full back-off (timers fire late, never early), so the
    // attempts are bounded by the time that passed, whatever the machine's load; a listener
    // retrying at once makes thousands a second.
    let elapsed = ContinuousClock.now - start
    let attempts = try #require(recovered.firstMatch(of: /after (\d+) failed attempts/).flatMap { Int($0.1) })
    #expect(attempts <= Int(elapsed / .milliseconds(100)) + 1, "\(attempts) failed attempts in \(elapsed)")
  }

  /// A connection to the rep listening at `url` that has begun as a req0 peer (the SP header, or
  /// for ws the upgrade request): once accepted, it holds its descriptor until it closes.
  static func reqConnection(to url: String) throws -> CInt {
    let address = try Address(url)
    let fd = socket(address.transport == .ipc ? AF_UNIX : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ProcessError("socket() failed: \(String(cString: strerror(errno)))") }
    let connected: CInt
    if address.transport == .ipc {
      var unix = sockaddr_un()
      unix.sun_family = sa_family_t(AF_UNIX)
      withUnsafeMutableBytes(of: &unix.sun_path) { path in
        for (index, byte) in address.path.utf8.prefix(path.count - 1).enumerated() { path[index] = byte }
      }
      connected = withUnsafePointer(to: &unix) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
      }
    } else {
      var inet = sockaddr_in()
      inet.sin_family = sa_family_t(AF_INET)
      inet.sin_addr.s_addr = inet_addr("127.0.0.1")
      inet.sin_port = UInt16(address.port).bigEndian
      connected = withUnsafePointer(to: &inet) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
    }
    let opening: [UInt8] =
      address.transport == .ws
      ? Array(
        ("GET \(address.path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Protocol: rep.sp.nanomsg.org\r\n\r\n").utf8)
      : [0x00, 0x53, 0x50, 0x00, 0x00, 0x30, 0x00, 0x00]  // the SP header of a req0 (48)
    guard connected == 0, write(fd, opening, opening.count) == opening.count else {
      let reason = String(cString: strerror(errno))
      close(fd)
      throw ProcessError("connecting to \(url) failed: \(reason)")
    }
    return fd
  }

  /// The CPU time (user and system) process `pid` has used, from /proc.
  /// The CPU time `program` has used; if it is no longer running, fails with how it ended and
  /// what it printed (once, under ThreadSanitizer, the listener was gone: this says why).
  static func cpuSeconds(of program: ChildProcess) async throws -> Double {
    do {
      return try cpuSeconds(of: program.processIdentifier)
    } catch {
      let outcome = try await program.finish(timeout: .seconds(10))
      throw ProcessError(
        "\(program.name) ended (status \(outcome.status)) while out of descriptors: \(outcome.stderr.suffix(4000))"
      )
    }
  }

  static func cpuSeconds(of pid: Int32) throws -> Double {
    let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
    // The fields after the command name (which may hold spaces) in parentheses: state is the
    // first of them, utime and stime the 12th and 13th.
    guard let close = stat.lastIndex(of: ")") else { throw ProcessError("unreadable /proc/\(pid)/stat") }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
      throw ProcessError("unreadable /proc/\(pid)/stat: \(stat)")
    }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
  }
}
