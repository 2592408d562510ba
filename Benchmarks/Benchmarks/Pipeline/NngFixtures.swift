// The relay in C against nng: push0 -> [pull0 -> upper-case -> push0] -> pull0, every side on
// its own thread, nng's default options.

import CNng
import Dispatch

final class NngRelay: BlockingFixture {
  private let driverPush: nng_socket
  private let driverPull: nng_socket
  private let relayPull: nng_socket
  private let relayPush: nng_socket
  private let relay: PeerThread
  private let counter: PeerThread
  private let batches = DispatchSemaphore(value: 0)

  init(_ transport: Transport) throws {
    var sockets = [nng_socket](repeating: nng_socket(), count: 4)
    try nngCheck(nng_push0_open(&sockets[0]), "nng_push0_open")
    try nngCheck(nng_pull0_open(&sockets[1]), "nng_pull0_open")
    try nngCheck(nng_pull0_open(&sockets[2]), "nng_pull0_open")
    try nngCheck(nng_push0_open(&sockets[3]), "nng_push0_open")
    (driverPush, driverPull, relayPull, relayPush) = (sockets[0], sockets[1], sockets[2], sockets[3])
    try nngCheck(nng_dial(relayPull, try nngListen(driverPush, transport), nil, 0), "nng_dial")
    try nngCheck(nng_dial(relayPush, try nngListen(driverPull, transport), nil, 0), "nng_dial")
    relay = PeerThread(name: "nng relay") { [relayPull, relayPush] in
      var message: OpaquePointer?
      while nng_recvmsg(relayPull, &message, 0) == 0 {
        let body = nng_msg_body(message).assumingMemoryBound(to: UInt8.self)
        for index in 0..<nng_msg_len(message) where body[index] >= 97 && body[index] <= 122 {
          body[index] -= 32
        }
        if nng_sendmsg(relayPush, message, 0) != 0 {
          nng_msg_free(message)
          return
        }
      }
    }
    counter = PeerThread(name: "nng pull") { [driverPull, batches] in
      var message: OpaquePointer?
      var received = 0
      while nng_recvmsg(driverPull, &message, 0) == 0 {
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
    precondition(messages == messagesPerIteration, "the counter thread counts in batches of this size")
    try payload.withUnsafeBytes { bytes in
      let base = UnsafeMutableRawPointer(mutating: bytes.baseAddress!)
      for _ in 0..<messages {
        try nngCheck(nng_send(driverPush, base, bytes.count, 0), "nng_send")
      }
    }
    batches.wait()
  }

  func stop() throws {
    nng_close(relayPull)
    nng_close(relayPush)
    relay.join()
    nng_close(driverPull)
    counter.join()
    nng_close(driverPush)
  }
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

func nngCheck(_ result: Int32, _ call: @autoclosure () -> String) throws {
  guard result == 0 else {
    throw LibraryError(description: "\(call()): \(String(cString: nng_strerror(result)))")
  }
}
