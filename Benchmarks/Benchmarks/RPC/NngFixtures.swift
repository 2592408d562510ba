// nng's side of the RPC benchmarks: req0 -> rep0 with contexts (nng 1.5's C API), with nng's
// default options. Every context is driven by its own aio and callback, so concurrency costs
// nng no threads: the callers' contexts send and receive until the iteration's calls are made,
// the server's contexts receive and send each message back.

import Benchmark
import CNng
import Dispatch
import Synchronization

/// A rep socket listening with 64 echoing contexts, and a req socket dialed to it with one
/// context per caller.
final class NngContextCalls: BlockingFixture {
  private let request: nng_socket
  private let reply: nng_socket
  private let echoes: [NngEchoContext]
  private let callers: [NngCaller]
  private let batch = NngCallBatch()

  init(_ transport: Transport, callers: Int) throws {
    var reply = nng_socket()
    var request = nng_socket()
    try nngCheck(nng_rep0_open(&reply), "nng_rep0_open")
    try nngCheck(nng_req0_open(&request), "nng_req0_open")
    try nngConnect(request, to: reply, transport)
    self.request = request
    self.reply = reply
    echoes = try (0..<64).map { _ in try NngEchoContext(reply) }
    for echo in echoes { echo.start() }
    let batch = batch
    self.callers = try (0..<callers).map { _ in try NngCaller(request, batch: batch) }
  }

  func run(calls: Int) throws {
    batch.begin(calls: calls, callers: callers.count)
    for caller in callers { caller.next() }
    try batch.wait()
  }

  func stop() throws {
    for caller in callers { caller.stop() }
    for echo in echoes { echo.stop() }
    nng_close(request)
    nng_close(reply)
  }
}

/// What the callers of one iteration share: the calls still to make, the callers still busy.
final class NngCallBatch: Sendable {
  private let remaining = Atomic<Int>(0)
  private let busy = Atomic<Int>(0)
  private let failure = Atomic<Int32>(0)
  private let finished = DispatchSemaphore(value: 0)

  /// Starts an iteration of `calls` calls by `callers` callers.
  func begin(calls: Int, callers: Int) {
    remaining.store(calls, ordering: .relaxed)
    busy.store(callers, ordering: .relaxed)
    failure.store(0, ordering: .relaxed)
  }

  /// Takes one call to make; `false` when none are left.
  func take() -> Bool {
    remaining.subtract(1, ordering: .relaxed).newValue >= 0
  }

  /// A caller is done with this iteration (with nng's error code, or 0).
  func done(_ error: Int32 = 0) {
    if error != 0 { failure.store(error, ordering: .relaxed) }
    if busy.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { finished.signal() }
  }

  /// Waits until every caller is done.
  func wait() throws {
    finished.wait()
    let error = failure.load(ordering: .relaxed)
    if error != 0 { throw LibraryError(description: "nng call: \(String(cString: nng_strerror(error)))") }
  }
}

/// One caller: a req context that sends the payload, receives the answer, and goes on while the
/// batch has calls left.
///
/// `@unchecked Sendable`: `sending` is only touched by `next()` when the caller is idle and by
/// the aio's callback, and nng runs one operation (and so one callback) at a time per aio.
final class NngCaller: @unchecked Sendable {
  private var context = nng_ctx()
  private var aio: OpaquePointer?
  private var sending = false
  private let batch: NngCallBatch

  init(_ socket: nng_socket, batch: NngCallBatch) throws {
    self.batch = batch
    try nngCheck(nng_ctx_open(&context, socket), "nng_ctx_open")
    try nngCheck(
      nng_aio_alloc(
        &aio, { Unmanaged<NngCaller>.fromOpaque($0!).takeUnretainedValue().completed() },
        Unmanaged.passUnretained(self).toOpaque()), "nng_aio_alloc")
  }

  /// Makes the next call, or tells the batch this caller is done.
  func next() {
    guard batch.take() else { return batch.done() }
    var message: OpaquePointer?
    var result = nng_msg_alloc(&message, 0)
    if result == 0 {
      result = payload.withUnsafeBytes { nng_msg_append(message, $0.baseAddress, $0.count) }
    }
    guard result == 0 else { return batch.done(result) }
    nng_aio_set_msg(aio, message)
    sending = true
    nng_ctx_send(context, aio)
  }

  private func completed() {
    let result = nng_aio_result(aio)
    if sending {
      sending = false
      guard result == 0 else {
        nng_msg_free(nng_aio_get_msg(aio))
        return batch.done(result)
      }
      nng_ctx_recv(context, aio)
    } else {
      guard result == 0 else { return batch.done(result) }
      let answer = nng_aio_get_msg(aio)
      let length = nng_msg_len(answer)
      nng_msg_free(answer)
      guard length == payload.count else { return batch.done(Int32(NNG_EPROTO.rawValue)) }
      next()
    }
  }

  /// Stops the aio (waiting for its callback) and closes the context.
  func stop() {
    nng_aio_stop(aio)
    nng_ctx_close(context)
    nng_aio_free(aio)
  }
}

/// One echo context of the server: receives a request and sends the same message back, again
/// and again, until the socket closes.
///
/// `@unchecked Sendable`: `receiving` is only touched by `start()` before the first operation
/// and by the aio's callback, and nng runs one operation (and so one callback) at a time per aio.
final class NngEchoContext: @unchecked Sendable {
  private var context = nng_ctx()
  private var aio: OpaquePointer?
  private var receiving = true

  init(_ socket: nng_socket) throws {
    try nngCheck(nng_ctx_open(&context, socket), "nng_ctx_open")
    try nngCheck(
      nng_aio_alloc(
        &aio, { Unmanaged<NngEchoContext>.fromOpaque($0!).takeUnretainedValue().completed() },
        Unmanaged.passUnretained(self).toOpaque()), "nng_aio_alloc")
  }

  /// Starts receiving.
  func start() {
    receiving = true
    nng_ctx_recv(context, aio)
  }

  private func completed() {
    let result = nng_aio_result(aio)
    if receiving {
      guard result == 0 else { return }
      receiving = false
      nng_aio_set_msg(aio, nng_aio_get_msg(aio))
      nng_ctx_send(context, aio)
    } else {
      if result != 0 { nng_msg_free(nng_aio_get_msg(aio)) }
      start()
    }
  }

  /// Stops the aio (waiting for its callback) and closes the context.
  func stop() {
    nng_aio_stop(aio)
    nng_ctx_close(context)
    nng_aio_free(aio)
  }
}

/// Makes `listening` listen on a fresh address of `transport` and dials `dialing` to it,
/// waiting until the connection is up.
private func nngConnect(_ dialing: nng_socket, to listening: nng_socket, _ transport: Transport) throws {
  var listener = nng_listener()
  let address = transport.listenAddress(library: "nng")
  try nngCheck(nng_listen(listening, address, &listener, 0), "nng_listen \(address)")
  var target = address
  if transport == .tcp {
    var port: Int32 = 0
    try nngCheck(nng_listener_get_int(listener, NNG_OPT_TCP_BOUND_PORT, &port), "nng_listener_get_int")
    target = "tcp://127.0.0.1:\(port)"
  }
  try nngCheck(nng_dial(dialing, target, nil, 0), "nng_dial \(target)")
}

private func nngCheck(_ result: Int32, _ call: @autoclosure () -> String) throws {
  guard result == 0 else {
    throw LibraryError(description: "\(call()): \(String(cString: nng_strerror(result)))")
  }
}
