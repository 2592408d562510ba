// libzmq's side of the socket benchmarks: PUSH -> PULL and REQ -> REP through libzmq's C API,
// with libzmq's default options (but no linger at close). libzmq sockets are not thread-safe, so
// each socket is used by one thread at a time: the benchmark thread makes and connects both,
// hands the receiving one to a peer thread, and closes both once that thread has ended. An
// empty message tells the peer thread the run is over.

import Benchmark
import CZmq
import Foundation

/// A libzmq socket handed between threads.
///
/// `@unchecked Sendable`: one thread at a time uses it (see the note at the top of the file);
/// starting and joining a thread order those uses.
private struct ZmqSocket: @unchecked Sendable {
  let raw: UnsafeMutableRawPointer
}

/// A context and two sockets in it: `listening` bound to a fresh address, `dialing` connected.
private struct ZmqPair: @unchecked Sendable {
  let context: UnsafeMutableRawPointer
  let listening: ZmqSocket
  let dialing: ZmqSocket
  /// The socket file of an ipc address, which libzmq leaves behind.
  let socketFile: String?

  init(listening listeningType: Int32, dialing dialingType: Int32, _ transport: Transport) throws {
    context = zmq_ctx_new()
    listening = ZmqSocket(raw: zmq_socket(context, listeningType))
    dialing = ZmqSocket(raw: zmq_socket(context, dialingType))
    var linger: Int32 = 0
    for socket in [listening, dialing] {
      try zmqCheck(
        zmq_setsockopt(socket.raw, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size), "zmq_setsockopt")
    }
    let address = transport.listenAddress(library: "zmq", port: "*")
    socketFile = transport == .ipc ? String(address.dropFirst("ipc://".count)) : nil
    try zmqCheck(zmq_bind(listening.raw, address), "zmq_bind \(address)")
    var endpoint = [CChar](repeating: 0, count: 512)
    var length = endpoint.count
    try zmqCheck(zmq_getsockopt(listening.raw, ZMQ_LAST_ENDPOINT, &endpoint, &length), "zmq_getsockopt")
    let bound = endpoint.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    try zmqCheck(zmq_connect(dialing.raw, bound), "zmq_connect \(bound)")
  }

  /// Closes both sockets and ends the context.
  func close() {
    zmq_close(dialing.raw)
    zmq_close(listening.raw)
    zmq_ctx_term(context)
    if let socketFile { unlink(socketFile) }
  }
}

/// A PULL socket bound, counted by a peer thread, and a PUSH socket connected to it.
final class ZmqPushPull: BlockingFixture {
  private let sockets: ZmqPair
  private let payload: [UInt8]
  private let batches = BatchSignal()
  private let receiver: PeerThread

  init(_ transport: Transport, _ size: MessageSize) throws {
    let sockets = try ZmqPair(listening: ZMQ_PULL, dialing: ZMQ_PUSH, transport)
    self.sockets = sockets
    payload = size.payload
    receiver = PeerThread(name: "zmq pull") { [batches] in
      var message = zmq_msg_t()
      zmq_msg_init(&message)
      var received = 0
      while zmq_msg_recv(&message, sockets.listening.raw, 0) >= 0, zmq_msg_size(&message) > 0 {
        received += 1
        if received == messagesPerIteration {
          received = 0
          batches.signal()
        }
      }
      zmq_msg_close(&message)
    }
  }

  func run(messages: Int) throws {
    precondition(messages == messagesPerIteration, "the peer thread counts in batches of this size")
    try payload.withUnsafeBytes { bytes in
      for _ in 0..<messages {
        try zmqCheck(zmq_send(sockets.dialing.raw, bytes.baseAddress, bytes.count, 0), "zmq_send")
      }
    }
    batches.wait()
  }

  func stop() throws {
    try payload.withUnsafeBytes { bytes in
      try zmqCheck(zmq_send(sockets.dialing.raw, bytes.baseAddress, 0, 0), "zmq_send")
    }
    receiver.join()
    sockets.close()
  }
}

/// A REP socket bound, answered by an echo thread, and a REQ socket connected to it.
final class ZmqReqRep: BlockingFixture {
  private let sockets: ZmqPair
  private let payload: [UInt8]
  private let server: PeerThread

  init(_ transport: Transport, _ size: MessageSize) throws {
    let sockets = try ZmqPair(listening: ZMQ_REP, dialing: ZMQ_REQ, transport)
    self.sockets = sockets
    payload = size.payload
    server = PeerThread(name: "zmq rep") {
      var message = zmq_msg_t()
      zmq_msg_init(&message)
      while zmq_msg_recv(&message, sockets.listening.raw, 0) >= 0 {
        let last = zmq_msg_size(&message) == 0
        guard zmq_msg_send(&message, sockets.listening.raw, 0) >= 0, !last else { break }
      }
      zmq_msg_close(&message)
    }
  }

  func run(messages: Int) throws {
    var answer = zmq_msg_t()
    zmq_msg_init(&answer)
    defer { zmq_msg_close(&answer) }
    var received = 0
    try payload.withUnsafeBytes { bytes in
      for _ in 0..<messages {
        try zmqCheck(zmq_send(sockets.dialing.raw, bytes.baseAddress, bytes.count, 0), "zmq_send")
        try zmqCheck(zmq_msg_recv(&answer, sockets.dialing.raw, 0), "zmq_msg_recv")
        received &+= zmq_msg_size(&answer)
      }
    }
    blackHole(received)
  }

  func stop() throws {
    var answer = zmq_msg_t()
    zmq_msg_init(&answer)
    defer { zmq_msg_close(&answer) }
    try payload.withUnsafeBytes { bytes in
      try zmqCheck(zmq_send(sockets.dialing.raw, bytes.baseAddress, 0, 0), "zmq_send")
    }
    try zmqCheck(zmq_msg_recv(&answer, sockets.dialing.raw, 0), "zmq_msg_recv")
    server.join()
    sockets.close()
  }
}

private func zmqCheck(_ result: Int32, _ call: @autoclosure () -> String) throws {
  guard result >= 0 else {
    throw LibraryError(description: "\(call()): \(String(cString: zmq_strerror(zmq_errno())))")
  }
}
