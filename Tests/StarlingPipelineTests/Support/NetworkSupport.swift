import Foundation
import NIOCore
import NIOPosix
import StarlingChannels
import Testing

@testable import StarlingPipeline

/// `test.reply`: hands each event to the sink `key` (when given), waits for the gate `gate`
/// to open (when given), then answers the event's reply handle with the value at `selection`.
actor TestReplier: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "test.reply", summary: "Answers requests for network tests.",
    arguments: [
      ArgumentSpec("key", .string, "The sink each event goes to first."),
      ArgumentSpec("gate", .string, "A gate (NetworkHarness.gate) to wait on before answering."),
      ArgumentSpec("selection", .string, default: "data", "What to answer with."),
      ArgumentSpec("prefix", .string, default: "", "Text put before string answers."),
    ],
    outputs: [], example: "")

  let sink: StarlingChannels.Channel<Event>?
  let gate: StarlingChannels.Channel<Void>?
  let selection: String
  let prefix: String

  init(context: ModuleContext) throws {
    sink = context.arguments.string("key").map(Collector.sink)
    gate = context.arguments.string("gate").map(NetworkHarness.gate)
    selection = context.arguments.string("selection") ?? "data"
    prefix = context.arguments.string("prefix") ?? ""
  }

  func consume(_ event: Event, from queue: String) async throws {
    _ = try sink?.trySend(event)
    if let gate { _ = try await gate.receive() }
    var answer = event
    answer.data = event[selection] ?? .null
    if !prefix.isEmpty, case .string(let text) = answer.data { answer.data = .string(prefix + text) }
    guard let reply = event.reply else { throw PipelineError.noReplyHandle }
    try await reply.send(answer)
  }
}

/// Pipelines with the network modules, `test.collect` and `test.reply`, and the addresses
/// their inputs bound.
enum NetworkHarness {
  static let registry: ModuleRegistry = {
    var registry = Harness.registry
    registry.register(TestReplier.self)
    return registry
  }()

  private static let gates = Lock.make([String: StarlingChannels.Channel<Void>]())

  /// The gate a `test.reply` module with this name waits on; send to it to let one answer go.
  static func gate(_ name: String) -> StarlingChannels.Channel<Void> {
    gates.withLock { gates in
      if let gate = gates[name] { return gate }
      let gate = StarlingChannels.Channel<Void>(capacity: 1000)
      gates[name] = gate
      return gate
    }
  }

  /// Runs `yaml` (logs routed to a sink), hands the test the bound port and the log sink,
  /// then stops the pipeline and waits for it.
  static func withPipeline(
    _ yaml: (_ logs: String) -> String, listening: Bool = true,
    _ body: (_ port: Int, _ logs: String, _ pipeline: Pipeline) async throws -> Void
  ) async throws {
    let logs = Harness.key("logs")
    let pipeline = try pipeline(yaml(logs))
    let running = Harness.start(pipeline)
    do {
      let port = listening ? try await port(logs: logs) : 0
      try await body(port, logs, pipeline)
    } catch {
      pipeline.stopNow()
      _ = await running.result
      throw error
    }
    pipeline.stop()
    try await running.value
  }

  static func logRoute(_ logs: String) -> String {
    """
      logs:
        module: test.collect
        arguments: {key: \(logs)}
    """
  }

  /// A config (for ``withPipeline(_:listening:_:)``) of a listening input `module` (named
  /// `server`, listening on a free port, with `arguments` besides) whose events go to
  /// `answer` (given the sink `sink`), and whose logs go to the log sink.
  static func serverPipeline(
    _ module: String, _ arguments: String, sink: String, answer: String = "test.reply"
  ) -> (String) -> String {
    { logs in
      """
      modules:
        server:
          module: \(module)
          arguments: {listen: "127.0.0.1:0", \(arguments)}
        answer:
          module: \(answer)
          arguments: {key: \(sink)}
      \(logRoute(logs))
      routes:
        - server.outbox -> answer.inbox
        - _logs.outbox -> logs.inbox
      """
    }
  }

  /// A pipeline from YAML text.
  static func pipeline(_ yaml: String) throws -> Pipeline {
    try Pipeline(
      config: PipelineConfig.parse(yaml: yaml, file: "test.yaml", environment: [:]), registry: registry)
  }

  /// Waits for the `listening on SCHEME://HOST:PORT` log line (logs routed to the sink
  /// `logs`) and returns the port.
  static func port(logs: String) async throws -> Int {
    let line = try await logLine(logs, containing: "listening on ")
    guard let port = line.split(separator: ":").last.flatMap({ Int($0) }) else {
      throw TestFailure(message: "no port in '\(line)'")
    }
    return port
  }

  /// The first log message in the sink `logs` that contains `text`, waiting for it.
  @discardableResult
  static func logLine(_ logs: String, containing text: String) async throws -> String {
    while true {
      let event = try await Harness.receive(1, from: logs)[0]
      let message = event["data.message"]?.stringValue ?? ""
      if message.contains(text) { return message }
    }
  }

  /// A TCP port that was free a moment ago.
  static func freePort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    return port
  }
}

/// A TCP connection for tests: send bytes, read lines or counts of bytes, see the end.
final class TestConnection: Sendable {
  private let channel: any NIOCore.Channel
  private let chunks = StarlingChannels.Channel<[UInt8]?>(capacity: 100_000)
  private let buffer = Lock.make([UInt8]())

  private init(channel: any NIOCore.Channel) {
    self.channel = channel
  }

  /// Connects to 127.0.0.1:`port`.
  static func connect(port: Int) async throws -> TestConnection {
    let reader = ChunkReader()
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(reader) }
      }
      .connect(host: "127.0.0.1", port: port).get()
    let connection = TestConnection(channel: channel)
    reader.attach(connection.chunks)
    return connection
  }

  /// Writes bytes.
  func send(_ bytes: [UInt8]) async throws {
    var buffer = channel.allocator.buffer(capacity: bytes.count)
    buffer.writeBytes(bytes)
    try await channel.writeAndFlush(buffer)
  }

  /// Writes text as UTF-8.
  func send(_ text: String) async throws { try await send(Array(text.utf8)) }

  /// Writes a frame with a 4-byte big-endian length before it.
  func sendFrame(_ bytes: [UInt8]) async throws {
    let size = UInt32(bytes.count)
    try await send(
      [UInt8(size >> 24), UInt8(size >> 16 & 255), UInt8(size >> 8 & 255), UInt8(size & 255)] + bytes)
  }

  /// Reads until `count` bytes are there; `nil` if the connection ends first.
  func read(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [UInt8]? {
    try await read(timeout: timeout) { $0.count >= count ? count : nil }
  }

  /// Reads one line (without its `\n`); `nil` if the connection ends first.
  func readLine(timeout: Duration = .seconds(20)) async throws -> String? {
    guard
      let bytes = try await read(
        timeout: timeout, until: { $0.firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } })
    else { return nil }
    return String(decoding: bytes.dropLast(), as: UTF8.self)
  }

  /// Reads one length-prefixed frame; `nil` if the connection ends first.
  func readFrame(timeout: Duration = .seconds(20)) async throws -> [UInt8]? {
    guard let header = try await read(4, timeout: timeout) else { return nil }
    let size = header.reduce(0) { $0 << 8 | Int($1) }
    return try await read(size, timeout: timeout)
  }

  /// Whether the peer closes the connection (true) before sending anything more (false).
  func readsEnd(timeout: Duration = .seconds(20)) async throws -> Bool {
    if !buffer.withLock({ $0.isEmpty }) { return false }
    let chunk = try await next(timeout: timeout)
    guard let chunk else { return true }
    buffer.withLock { $0.append(contentsOf: chunk) }
    return false
  }

  /// Reads until `complete` says how many bytes make a whole unit; `nil` on end of stream.
  func read(timeout: Duration = .seconds(20), until complete: ([UInt8]) -> Int?) async throws -> [UInt8]? {
    while true {
      if let unit = buffer.withLock({ buffer -> [UInt8]? in
        guard let count = complete(buffer) else { return nil }
        defer { buffer.removeFirst(count) }
        return Array(buffer.prefix(count))
      }) {
        return unit
      }
      guard let chunk = try await next(timeout: timeout) else { return nil }
      buffer.withLock { $0.append(contentsOf: chunk) }
    }
  }

  private func next(timeout: Duration) async throws -> [UInt8]? {
    let chunks = chunks
    return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
      group.addTask { try await chunks.receive() ?? nil }
      group.addTask {
        try await Task.sleep(for: timeout)
        throw TestFailure(message: "timed out reading from the connection")
      }
      let chunk = try await group.next()!
      group.cancelAll()
      return chunk
    }
  }

  /// Closes the connection.
  func close() async {
    try? await channel.close()
  }
}

/// Passes what a test connection reads to its channel of chunks; `nil` at the end.
final class ChunkReader: ChannelInboundHandler, Sendable {
  typealias InboundIn = ByteBuffer
  private let chunks = Lock.make(StarlingChannels.Channel<[UInt8]?>?.none)
  private let early = Lock.make([[UInt8]?]())

  func attach(_ channel: StarlingChannels.Channel<[UInt8]?>) {
    let pending = chunks.withLock { chunks in
      chunks = channel
      return early.withLock { early in
        defer { early = [] }
        return early
      }
    }
    for chunk in pending { _ = try? channel.trySend(chunk) }
  }

  private func deliver(_ chunk: [UInt8]?) {
    chunks.withLock { chunks in
      if let chunks {
        _ = try? chunks.trySend(chunk)
      } else {
        early.withLock { $0.append(chunk) }
      }
    }
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    deliver(Array(unwrapInboundIn(data).readableBytesView))
  }

  func channelInactive(context: ChannelHandlerContext) {
    deliver(nil)
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    context.close(promise: nil)
  }
}

/// A TCP server for tests: every connection's bytes go to one channel of chunks; it can
/// answer each HTTP request it reads with a fixed status.
final class TestServer: Sendable {
  let port: Int
  /// How many connections it accepted.
  var connections: Int { accepted.withLock { $0 } }
  private let server: any NIOCore.Channel
  private let accepted: Lock<Int>
  let received: StarlingChannels.Channel<[UInt8]>

  private init(server: any NIOCore.Channel, received: StarlingChannels.Channel<[UInt8]>, accepted: Lock<Int>)
  {
    self.server = server
    self.port = server.localAddress!.port!
    self.received = received
    self.accepted = accepted
  }

  /// Listens on 127.0.0.1:`port` (0: any); with `http`, answers each request with that
  /// status for paths not containing `fail`, 500 for the others.
  static func start(port: Int = 0, http: Bool = false) async throws -> TestServer {
    let received = StarlingChannels.Channel<[UInt8]>(capacity: 100_000)
    let accepted = Lock.make(0)
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        accepted.withLock { $0 += 1 }
        return channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(ServerRecorder(received: received, http: http))
        }
      }
      .bind(host: "127.0.0.1", port: port).get()
    return TestServer(server: server, received: received, accepted: accepted)
  }

  /// Reads until what was received (since the last call) makes `count` units as `complete`
  /// cuts them.
  func bytes(atLeast count: Int, timeout: Duration = .seconds(20)) async throws -> [UInt8] {
    var all: [UInt8] = []
    let deadline = ContinuousClock.now + timeout
    while all.count < count {
      let left = ContinuousClock.now.duration(to: deadline)
      guard left > .zero else { throw TestFailure(message: "server got \(all.count) of \(count) bytes") }
      let received = received
      let chunk = try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
        group.addTask { try await received.receive() }
        group.addTask {
          try await Task.sleep(for: left)
          return nil
        }
        let chunk = try await group.next()!
        group.cancelAll()
        return chunk
      }
      all += chunk ?? []
    }
    return all
  }

  /// Stops listening.
  func close() async {
    try? await server.close()
  }
}

/// Records a server connection's bytes; answers HTTP requests when asked to.
final class ServerRecorder: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  typealias OutboundOut = ByteBuffer
  let received: StarlingChannels.Channel<[UInt8]>
  let http: Bool
  private var pending: [UInt8] = []

  init(received: StarlingChannels.Channel<[UInt8]>, http: Bool) {
    self.received = received
    self.http = http
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let bytes = Array(unwrapInboundIn(data).readableBytesView)
    _ = try? received.trySend(bytes)
    guard http else { return }
    pending += bytes
    while let request = HTTPText.request(in: pending) {
      pending.removeFirst(request.length)
      let status = request.target.contains("fail") ? "500 Internal Server Error" : "200 OK"
      let body = request.target.contains("fail") ? "broken" : "ok"
      let response = "HTTP/1.1 \(status)\r\ncontent-length: \(body.utf8.count)\r\n\r\n\(body)"
      var buffer = context.channel.allocator.buffer(capacity: response.utf8.count)
      buffer.writeString(response)
      context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
  }
}

/// Reading HTTP/1.1 messages as text, for tests.
enum HTTPText {
  /// One message: its first line, headers (names lower-cased), body, and its size in bytes.
  struct Message {
    var firstLine: String
    var headers: [String: String]
    var body: [UInt8]
    var length: Int
    /// The request target (second word of a request line).
    var target: String { firstLine.split(separator: " ").dropFirst().first.map(String.init) ?? "" }
    /// The status code (second word of a status line).
    var status: Int { Int(target) ?? 0 }
    var text: String { String(decoding: body, as: UTF8.self) }
  }

  /// The first whole message in `bytes` (with a content-length body), if it is all there.
  static func request(in bytes: [UInt8]) -> Message? {
    let marker: [UInt8] = Array("\r\n\r\n".utf8)
    guard bytes.count >= 4,
      let end = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == marker })
    else { return nil }
    let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
      guard let colon = line.firstIndex(of: ":") else { continue }
      headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
        in: .whitespaces)
    }
    let size = headers["content-length"].flatMap { Int($0) } ?? 0
    guard bytes.count >= end + 4 + size else { return nil }
    return Message(
      firstLine: lines[0], headers: headers, body: Array(bytes[(end + 4)..<(end + 4 + size)]),
      length: end + 4 + size)
  }

  /// Sends a request on `connection` and reads the response.
  static func exchange(
    _ connection: TestConnection, method: String = "POST", target: String, headers: [String: String] = [:],
    body: String = ""
  ) async throws -> Message? {
    var request = "\(method) \(target) HTTP/1.1\r\nhost: test\r\ncontent-length: \(body.utf8.count)\r\n"
    for (name, value) in headers { request += "\(name): \(value)\r\n" }
    request += "\r\n\(body)"
    try await connection.send(request)
    return try await response(connection)
  }

  /// Reads one response from `connection`; `nil` if it closes first.
  static func response(_ connection: TestConnection) async throws -> Message? {
    guard let bytes = try await connection.read(until: { request(in: $0)?.length }) else { return nil }
    return request(in: bytes)
  }
}
