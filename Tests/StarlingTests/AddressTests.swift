import Testing

@testable import Starling

@Suite(.timeLimit(.minutes(5))) struct AddressTests {
  @Test func tcpForms() throws {
    let plain = try Address("tcp://127.0.0.1:5555")
    #expect(
      plain.transport == .tcp && plain.host == "127.0.0.1" && plain.port == 5555 && plain.family == .any)
    let v6 = try Address("tcp6://[::1]:80")
    #expect(v6.host == "::1" && v6.port == 80 && v6.family == .v6)
    let v4 = try Address("tcp4://localhost:0")
    #expect(v4.family == .v4 && v4.port == 0)
    for wildcard in ["tcp://*:7000", "tcp://:7000", "tcp://0.0.0.0:7000", "tcp://[::]:7000"] {
      let address = try Address(wildcard)
      #expect(address.host == nil, "\(wildcard) is a wildcard")
      #expect(address.port == 7000)
    }
    #expect(try Address("tls+tcp://example.com:443").transport == .tls)
  }

  @Test func ipcAndInprocForms() throws {
    let absolute = try Address("ipc:///tmp/x.sock")
    #expect(absolute.transport == .ipc && absolute.path == "/tmp/x.sock" && !absolute.isAbstract)
    #expect(try Address("ipc://relative.sock").path == "relative.sock")
    #expect(try Address("unix:///tmp/y").path == "/tmp/y")
    let abstract = try Address("abstract://starling")
    #expect(abstract.isAbstract && abstract.socketPath == "\0starling")
    #expect(try Address("inproc://jobs").path == "jobs")
  }

  @Test func webSocketForms() throws {
    let ws = try Address("ws://127.0.0.1:8080/rpc")
    #expect(ws.transport == .ws && ws.port == 8080 && ws.path == "/rpc")
    let wss = try Address("wss://example.com")
    #expect(wss.port == 443 && wss.path == "/")
  }

  @Test(arguments: [
    ("127.0.0.1:5555", "missing '://'"),
    ("tcp://127.0.0.1", "a port is required"),
    ("tcp://127.0.0.1:99999", "is not a port number"),
    ("tcp://127.0.0.1:http", "is not a port number"),
    ("tcp://::1:5555", "must be written in brackets"),
    ("tcp6://[::1:5555", "is not closed"),
    ("tcp6://10.0.0.1:5", "IPv4 host"),
    ("tcp4://[::1]:5", "IPv6 host"),
    ("ipc://", "needs a path"),
    ("inproc://", "needs a name"),
    ("ipc:///" + String(repeating: "p", count: 200), "at most 107"),
  ])
  func badAddressesSayWhatIsWrong(url: String, expected: String) {
    do {
      _ = try Address(url)
      Issue.record("\(url) parsed")
    } catch {
      guard case .invalidAddress(let given, let reason) = error else {
        Issue.record("unexpected \(error)")
        return
      }
      #expect(given == url)
      #expect(reason.contains(expected), "\(reason)")
      #expect(error.description.contains(url))
    }
  }

  @Test func unknownSchemeIsAnUnsupportedTransport() {
    #expect(throws: SPError.unsupportedTransport("udp")) { try Address("udp://1.2.3.4:5") }
  }
}
