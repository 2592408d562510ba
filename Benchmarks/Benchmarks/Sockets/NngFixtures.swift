// nng's side of the socket benchmarks: push0 -> pull0 and req0 -> rep0 through nng's C API,
// with nng's default options. nng sockets are thread-safe: the benchmark thread sends, and a
// peer thread receives; closing a socket ends the peer thread's blocking receive.

import Benchmark
import CNng
import Dispatch

/// A pull socket listening, counted by a peer thread, and a push socket dialed to it.
final class NngPushPull: BlockingFixture {
  private let push: nng_socket
  private let pull: nng_socket
  private let payload: [UInt8]
  private let batches = BatchSignal()
  private let receiver: PeerThread

  init(_ transport: Transport, _ size: MessageSize) throws {
    var pull = nng_socket()
    var push = nng_socket()
    try nngCheck(nng_pull0_open(&pull), "nng_pull0_open")
    try nngCheck(nng_push0_open(&push), "nng_push0_open")
    try nngConnect(push, to: pull, transport)
    self.push = push
    self.pull = pull
    payload = size.payload
    receiver = PeerThread(name: "nng pull") { [batches, pull] in
      var message: OpaquePointer?
      var received = 0
      while nng_recvmsg(pull, &message, 0) == 0 {
        nng_msg_free(message)
        received += 1
        if received == messagesPerIteration {
          received = 0
          batches.signal()
        }
      }
    }
  }

  func run(messages: Int) throws {
    precondition(messages == messagesPerIteration, "the peer thread counts in batches of this size")
    try payload.withUnsafeBytes { bytes in
      let base = UnsafeMutableRawPointer(mutating: bytes.baseAddress!)
      for _ in 0..<messages {
        try nngCheck(nng_send(push, base, bytes.count, 0), "nng_send")
      }
    }
    batches.wait()
  }

  func stop() throws {
    nng_close(pull)
    receiver.join()
    nng_close(push)
  }
}

/// A rep socket listening, answered by an echo thread, and a req socket dialed to it.
final class NngReqRep: BlockingFixture {
  private let request: nng_socket
  private let reply: nng_socket
  private let payload: [UInt8]
  private let server: PeerThread

  init(_ transport: Transport, _ size: MessageSize) throws {
    var reply = nng_socket()
    var request = nng_socket()
    try nngCheck(nng_rep0_open(&reply), "nng_rep0_open")
    try nngCheck(nng_req0_open(&request), "nng_req0_open")
    try nngConnect(request, to: reply, transport)
    self.request = request
    self.reply = reply
    payload = size.payload
    server = PeerThread(name: "nng rep") { [reply] in
      var message: OpaquePointer?
      while nng_recvmsg(reply, &message, 0) == 0 {
        guard nng_sendmsg(reply, message, 0) == 0 else {
          nng_msg_free(message)
          return
        }
      }
    }
  }

  func run(messages: Int) throws {
    try payload.withUnsafeBytes { bytes in
      let base = UnsafeMutableRawPointer(mutating: bytes.baseAddress!)
      var received = 0
      for _ in 0..<messages {
        try nngCheck(nng_send(request, base, bytes.count, 0), "nng_send")
        var answer: OpaquePointer?
        try nngCheck(nng_recvmsg(request, &answer, 0), "nng_recvmsg")
        received &+= nng_msg_len(answer)
        nng_msg_free(answer)
      }
      blackHole(received)
    }
  }

  func stop() throws {
    nng_close(reply)
    server.join()
    nng_close(request)
  }
}

/// Makes `listening` listen on a fresh address of `transport` and dials `dialing` to it,
/// waiting until the connection is up. tls+tcp: the listener presents the benchmark
/// certificate, the dialer verifies it against the benchmark authority (nng's defaults).
private func nngConnect(_ dialing: nng_socket, to listening: nng_socket, _ transport: Transport) throws {
  var listener = nng_listener()
  let address = transport.listenAddress(library: "nng")
  try nngCheck(nng_listener_create(&listener, listening, address), "nng_listener_create \(address)")
  if transport == .tls {
    let certificates = BenchmarkCertificates.shared
    var server: OpaquePointer?
    try nngCheck(nng_tls_config_alloc(&server, NNG_TLS_MODE_SERVER), "nng_tls_config_alloc")
    defer { nng_tls_config_free(server) }
    try nngCheck(
      nng_tls_config_own_cert(server, certificates.certificatePEM, certificates.keyPEM, nil),
      "nng_tls_config_own_cert")
    try nngCheck(
      nng_listener_set_ptr(listener, NNG_OPT_TLS_CONFIG, UnsafeMutableRawPointer(server)), "tls-config")
  }
  try nngCheck(nng_listener_start(listener, 0), "nng_listener_start \(address)")
  var target = address
  if transport == .tcp || transport == .tls || transport == .ws {
    var port: Int32 = 0
    try nngCheck(nng_listener_get_int(listener, NNG_OPT_TCP_BOUND_PORT, &port), "nng_listener_get_int")
    target = transport.listenAddress(library: "nng", port: String(port))
  }
  var dialer = nng_dialer()
  try nngCheck(nng_dialer_create(&dialer, dialing, target), "nng_dialer_create \(target)")
  if transport == .tls {
    var client: OpaquePointer?
    try nngCheck(nng_tls_config_alloc(&client, NNG_TLS_MODE_CLIENT), "nng_tls_config_alloc")
    defer { nng_tls_config_free(client) }
    try nngCheck(
      nng_tls_config_ca_chain(client, BenchmarkCertificates.shared.caPEM, nil), "nng_tls_config_ca_chain")
    try nngCheck(nng_tls_config_server_name(client, "localhost"), "nng_tls_config_server_name")
    try nngCheck(
      nng_dialer_set_ptr(dialer, NNG_OPT_TLS_CONFIG, UnsafeMutableRawPointer(client)), "tls-config")
  }
  try nngCheck(nng_dialer_start(dialer, 0), "nng_dialer_start \(target)")
}

/// Makes `socket` listen on a fresh address of `transport`; returns the address to dial.
func nngListen(_ socket: nng_socket, _ transport: Transport) throws -> String {
  var listener = nng_listener()
  let address = transport.listenAddress(library: "nng")
  try nngCheck(nng_listen(socket, address, &listener, 0), "nng_listen \(address)")
  guard transport == .tcp else { return address }
  var port: Int32 = 0
  try nngCheck(nng_listener_get_int(listener, NNG_OPT_TCP_BOUND_PORT, &port), "nng_listener_get_int")
  return "tcp://127.0.0.1:\(port)"
}

/// Counts the pipes a socket adds from now on, so that a fixture can wait until its listener has
/// every peer's pipe (they come up after the peers' dials return).
final class NngPipeCounter: Sendable {
  private let socket: nng_socket
  private let semaphore = DispatchSemaphore(value: 0)

  init(_ socket: nng_socket) throws {
    self.socket = socket
    try nngCheck(
      nng_pipe_notify(
        socket, NNG_PIPE_EV_ADD_POST,
        { _, _, argument in
          Unmanaged<NngPipeCounter>.fromOpaque(argument!).takeUnretainedValue().semaphore.signal()
        }, Unmanaged.passUnretained(self).toOpaque()), "nng_pipe_notify")
  }

  /// Waits until `count` pipes were added, then stops counting.
  func wait(for count: Int) throws {
    for _ in 0..<count { semaphore.wait() }
    try nngCheck(nng_pipe_notify(socket, NNG_PIPE_EV_ADD_POST, nil, nil), "nng_pipe_notify")
  }
}

func nngCheck(_ result: Int32, _ call: @autoclosure () -> String) throws {
  guard result == 0 else {
    throw LibraryError(description: "\(call()): \(String(cString: nng_strerror(result)))")
  }
}
