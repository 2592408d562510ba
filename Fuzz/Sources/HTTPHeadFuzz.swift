import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Synchronization

@testable import StarlingHTTP
@testable import StarlingPipeline

/// `http`: what StarlingHTTP's server (and so `input.http`, which is built on it) does with
/// the bytes of a connection: the connection's pipeline as `HTTPServer.listen` sets it up
/// (the connection timeouts in front, NIO's HTTP/1.1 decoder, encoder and pipelining
/// handler, then `HTTPConnectionHandler` with its body limit, backpressure, refusals and
/// answers), and a program serving the requests through the public API as `input.http`
/// does: a path outside its prefix answered 404, the body read with `body()`, decoded in
/// every `format`, the event header built, and an answer written.
///
/// Input: one byte of read size (0: all at once), one byte of seconds that pass before each
/// read after the first, then what the client sends. Every request the program is handed must
/// end answered by it, or refused by the server (its answer then fails as already answered or
/// its connection closed); once the client falls silent, every connection must be closed by
/// one of its timeouts (no wait outlasts them all), and the program must not be left waiting.
enum HTTPHeadFuzz {
  static let target = FuzzTarget(
    name: "http",
    summary: "StarlingHTTP's server connection (input.http): decoder, limits, answers, timeouts",
    run: run)

  /// The server's configuration: timeouts of different lengths, so the fuzzer can run out of
  /// any one before the others, and a body limit small enough for the fuzzer to reach.
  static let configuration: HTTPServer.Configuration = {
    var configuration = HTTPServer.Configuration()
    configuration.idleTimeout = .seconds(30)
    configuration.headTimeout = .seconds(10)
    configuration.bodyTimeout = .seconds(20)
    configuration.maxBodySize = 256
    configuration.maxHeaderSize = 1024
    // Every message is built (its interpolations run), then dropped.
    configuration.logger = Logger(label: "fuzz", factory: { _ in DiscardingLogHandler() })
    return configuration
  }()

  /// The program's path prefix, `input.http`'s default `path`.
  static let pathPrefix = "/"

  static func run(_ bytes: [UInt8]) {
    var input = FuzzInput(bytes)
    let readSize = input.byte()
    let pause = TimeAmount.seconds(Int64(input.byte()))
    let chunks = input.chunks(of: readSize)
    let channel = EmbeddedChannel()
    let core = HTTPServerCore(configuration: configuration, group: channel.embeddedEventLoop, scheme: "http")
    try! HTTPServer.configureConnection(channel, core: core, isTLS: false)
    let executor = ManualTaskExecutor()
    let outcome = Outcome()
    Task(executorPreference: executor) {
      for await request in HTTPServerRequests(core: core) { await serve(request, outcome: outcome) }
      outcome.finished()
    }
    executor.runAll()
    try! channel.connect(to: SPHandshakeFuzz.peerAddress).wait()
    for (index, chunk) in chunks.enumerated() where channel.isActive {
      if index > 0 { channel.embeddedEventLoop.advanceTime(by: pause) }
      executor.runAll()
      guard channel.isActive else { break }
      // A request NIO cannot decode is answered 400 and the connection closed.
      _ = try? channel.writeInbound(ByteBuffer(bytes: chunk))
      // What a channel that reads automatically does after each read.
      channel.read()
      executor.runAll()
    }
    channel.embeddedEventLoop.advanceTime(by: .hours(24))
    executor.runAll()
    require(!channel.isActive, "a silent client's connection outlasted every timeout")
    core.requests.finish()
    executor.runAll()
    require(outcome.isFinished, "the program still waits for a request of a closed connection")
    _ = try? channel.finish(acceptAlreadyClosed: true)
  }

  /// Serves one request as `input.http` does (without a pipeline behind it: 202 for an
  /// event made).
  static func serve(_ request: HTTPRequest, outcome: Outcome) async {
    do {
      let path = String(request.path)
      guard path.hasPrefix(pathPrefix) else {
        try await request.reply(status: .notFound, body: "not found")
        return
      }
      let body = Array(try await request.body().readableBytesView)
      let contentType = request.headers.first(name: "content-type")
      var status = HTTPResponseStatus.accepted
      for format in [NetworkPayload.auto, .string, .bytes, .json] {
        if (try? format.decode(body, contentType: contentType)) == nil { status = .badRequest }
      }
      _ = Event(data: .null, header: HTTPServerExchange.header(request, path: path, peer: "fuzz"))
      try await request.reply(status: status, body: "")
    } catch HTTPError.bodyTooLarge, HTTPError.alreadyAnswered, HTTPError.connectionClosed {
      // Refused by the server (413, 408, 400) or the connection gone: nothing to answer.
    } catch {
      fatalError("serving \(request) failed: \(error)")
    }
  }

  /// Whether the program's task has ended.
  final class Outcome: Sendable {
    private let done = Atomic<Bool>(false)
    func finished() { done.store(true, ordering: .relaxed) }
    var isFinished: Bool { done.load(ordering: .relaxed) }
  }
}

/// Runs the tasks that prefer it on the fuzzing thread, when ``runAll()`` is called: the
/// program's part of a run is deterministic and touches the `EmbeddedChannel` only from the
/// thread that drives it (a request's body and answer reach the handler inline, as the
/// embedded event loop is always "in" its loop).
final class ManualTaskExecutor: TaskExecutor {
  private let jobs = Mutex<[UnownedJob]>([])

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    jobs.withLock { $0.append(job) }
  }

  /// Runs jobs until none is left.
  func runAll() {
    while let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
      job.runSynchronously(on: asUnownedTaskExecutor())
    }
  }
}

/// A log handler that drops every message, at every level (so each message is still built).
struct DiscardingLogHandler: LogHandler {
  var logLevel: Logger.Level = .trace
  var metadata: Logger.Metadata = [:]
  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }
  func log(event: LogEvent) {}
}
