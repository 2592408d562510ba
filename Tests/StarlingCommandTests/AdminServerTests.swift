import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `starling run --http`: the admin server of a running `starling` process, scraped with curl.
@Suite(.timeLimit(.minutes(5)))
struct AdminServerTests {
  /// Five events that `split` fails on (to `sink`), and an input.pull on `url` into `jobs_sink`.
  static func counted(pull url: String) -> String {
    """
    modules:
      gen:
        module: input.generator
        arguments:
          interval: 0
          count: 5
          payload: "not a list"
      split:
        module: process.unpack
      sink:
        module: output.null
      jobs:
        module: input.pull
        arguments:
          listen: "\(url)"
      jobs_sink:
        module: output.null
    routes:
      - gen.outbox -> split.inbox
      - split.failure -> sink.inbox
      - jobs.outbox -> jobs_sink.inbox
    """
  }

  @Test func metricsCountQueuesModulesAndSocketsAfterEventsFlow() async throws {
    let url = Tools.ipc("admin")
    let run = try Tools.starling([
      "run", try OpsPeer.config(Self.counted(pull: url)), "--http", "127.0.0.1:0",
    ])
    let port = try await AdminClient.port(of: run)
    _ = try await run.line(containing: "jobs: listening on \(url)")
    #expect(try await Tools.nngcat(["--push0", "--dial", url, "-D", "job"]).finish().status == 0)
    try await AdminClient.waitForStatus(port, "every event counted") { status in
      AdminClient.module("sink", in: status)?["processed"] as? Int == 5
        && AdminClient.module("jobs_sink", in: status)?["processed"] as? Int == 1
    }
    let metrics = try await AdminClient.request(port, "/metrics")
    #expect(metrics.status == 200)
    #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
    let text = metrics.body
    let gen = ["module": "gen", "queue": "outbox"]
    #expect(AdminClient.sample("starling_pipeline_events_in_total", gen, in: text) == 5, "\(text)")
    #expect(AdminClient.sample("starling_pipeline_events_out_total", gen, in: text) == 5)
    #expect(AdminClient.sample("starling_pipeline_queue_size", gen, in: text) == 0)
    #expect(AdminClient.sample("starling_pipeline_queue_capacity", gen, in: text) == 100)
    #expect(AdminClient.sample("starling_pipeline_events_dropped_total", gen, in: text) == 0)
    // No route takes split.outbox: nothing reached it, so nothing was dropped there either.
    #expect(
      AdminClient.sample(
        "starling_pipeline_module_failed_total", ["module": "split", "type": "process.unpack"], in: text)
        == 5)
    #expect(
      AdminClient.sample("starling_pipeline_module_processed_total", ["module": "split"], in: text) == 0)
    #expect(AdminClient.sample("starling_pipeline_module_processed_total", ["module": "sink"], in: text) == 5)
    // The socket's own metrics, named after its module.
    let jobs = ["socket": "jobs", "protocol": "pull"]
    #expect(AdminClient.sample("starling_messages_in_total", jobs, in: text) == 1, "\(text)")
    #expect(
      AdminClient.sample("starling_pipes_added_total", jobs.merging(["transport": "ipc"]) { $1 }, in: text)
        == 1)
    #expect(AdminClient.sample("starling_pipes_open", jobs, in: text) != nil)
    #expect(
      AdminClient.sample("starling_drops_total", jobs.merging(["reason": "stale"]) { $1 }, in: text) == 0)
    run.signal(SIGINT)
    #expect(try await run.finish().status == 0)
  }

  @Test func readyWaitsForEveryDialingOutputToHaveAPeer() async throws {
    let url = Tools.ipc("ready")
    let yaml = """
      modules:
        gen:
          module: input.generator
          arguments:
            interval: 0.01
        out:
          module: output.push
          arguments:
            dial: "\(url)"
      routes:
        - gen.outbox -> out.inbox
      """
    let run = try Tools.starling(["run", try OpsPeer.config(yaml), "--http", "127.0.0.1:0"])
    let port = try await AdminClient.port(of: run)
    _ = try await run.line(containing: "pipeline started")
    let waiting = try await AdminClient.request(port, "/ready")
    #expect(waiting.status == 503)
    #expect(waiting.body.contains("module 'out': no peer yet on \(url)"), "\(waiting.body)")
    let status = try await AdminClient.status(port)
    #expect(status["ready"] as? Bool == false)
    #expect(AdminClient.module("out", in: status)?["waiting_for"] as? String == "no peer yet on \(url)")
    #expect(try await AdminClient.request(port, "/ping").status == 200)

    // The peer appears: the output connects, and the pipeline is ready.
    let peer = try Tools.nngcat(["--pull0", "--listen", url, "--quoted"])
    try await AdminClient.waitForStatus(port, "ready") { $0["ready"] as? Bool == true }
    let ready = try await AdminClient.request(port, "/ready")
    #expect(ready.status == 200)
    #expect(ready.body == "ready\n")
    // Stopped while its peer still takes what it pushes: the graceful stop has nothing to wait for.
    run.signal(SIGINT)
    #expect(try await run.finish().status == 0)
    peer.signal(SIGKILL)
    _ = try? await peer.finish()
  }

  @Test func unknownPathsAndMethodsAndHEAD() async throws {
    let run = try Tools.starling(["run", PipelineCommandTests.hello, "--http", "127.0.0.1:0"])
    let port = try await AdminClient.port(of: run)
    let ping = try await AdminClient.request(port, "/ping")
    #expect(ping.status == 200)
    #expect(ping.body == "pong\n")
    let missing = try await AdminClient.request(port, "/nothing/here")
    #expect(missing.status == 404)
    #expect(missing.body.contains("/metrics"))
    let post = try await AdminClient.request(port, "/metrics", method: "POST")
    #expect(post.status == 405)
    #expect(post.headers["allow"] == "GET, HEAD")
    let delete = try await AdminClient.request(port, "/status", method: "DELETE")
    #expect(delete.status == 405)
    let page = try await AdminClient.request(port, "/")
    #expect(page.status == 200)
    #expect(page.headers["content-type"] == "text/html; charset=utf-8")
    let head = try await AdminClient.request(port, "/", method: "HEAD")
    #expect(head.status == 200)
    #expect(head.body.isEmpty)
    #expect(head.headers["content-length"] == page.headers["content-length"])
    #expect(head.headers["content-length"] == String(page.body.utf8.count))
    run.signal(SIGINT)
    #expect(try await run.finish().status == 0)
  }

  /// SIGHUP: the admin server stays on its port and shows the new pipeline; the Prometheus
  /// counters go on from where the previous pipeline left them.
  @Test func theAdminServerServesTheNewPipelineAfterAReload() async throws {
    let file = try OpsPeer.config(ReloadTests.tagged("A"))
    let run = try Tools.starling(["run", file, "--http", "127.0.0.1:0"])
    let port = try await AdminClient.port(of: run)
    let server = try await OpsPeer.listeningPort(of: run, module: "server")
    #expect(try await ReloadTests.exchange(server, "one") == ["A one"])
    try await AdminClient.waitForStatus(port, "the line processed") {
      AdminClient.module("tag", in: $0)?["processed"] as? Int == 1
    }
    let tag = ["module": "tag", "type": "process.modify"]
    let before = try await AdminClient.request(port, "/metrics").body
    #expect(AdminClient.sample("starling_pipeline_module_processed_total", tag, in: before) == 1)

    try OpsPeer.rewrite(file, ReloadTests.tagged("B"))
    run.signal(SIGHUP)
    _ = try await run.line(containing: "reloaded \(file)")
    // The new pipeline's numbers: nothing processed yet.
    let fresh = try await AdminClient.status(port)
    #expect(AdminClient.module("tag", in: fresh)?["processed"] as? Int == 0, "\(fresh)")
    #expect(try await AdminClient.request(port, "/ready").status == 200)
    #expect(try await ReloadTests.exchange(server, "two") == ["B two"])
    try await AdminClient.waitForStatus(port, "the line processed by the new pipeline") {
      AdminClient.module("tag", in: $0)?["processed"] as? Int == 1
    }
    let after = try await AdminClient.request(port, "/metrics").body
    #expect(AdminClient.sample("starling_pipeline_module_processed_total", tag, in: after) == 2, "\(after)")
    run.signal(SIGINT)
    #expect(try await run.finish().status == 0)
  }

  @Test func aPortInUseIsAClearErrorBeforeThePipelineStarts() async throws {
    let holder = try HeldPort()
    defer { holder.close() }
    let file = try OpsPeer.config(Self.counted(pull: Tools.ipc("inuse")))
    let outcome = try await Tools.starling(["run", file, "--http", "127.0.0.1:\(holder.port)"]).finish()
    #expect(outcome.status != 0)
    #expect(
      outcome.stderr.contains(
        "the admin server cannot listen on 127.0.0.1:\(holder.port): the address is in use (EADDRINUSE)"),
      "\(outcome.stderr)")
    #expect(!outcome.stderr.contains("pipeline started"), "\(outcome.stderr)")
    #expect(!outcome.stderr.contains("listening on"), "\(outcome.stderr)")
  }

  @Test func theConfigsHTTPSectionServesAndTheFlagWins() async throws {
    let holder = try HeldPort()
    defer { holder.close() }
    let yaml = "http:\n  address: \"127.0.0.1:0\"\n" + Self.counted(pull: Tools.ipc("section"))
    let run = try Tools.starling(["run", try OpsPeer.config(yaml)])
    let port = try await AdminClient.port(of: run)
    #expect(try await AdminClient.request(port, "/ping").status == 200)
    run.signal(SIGINT)
    #expect(try await run.finish().status == 0)

    // The config names a port in use; the flag another one, which is served.
    let busy = "http:\n  address: \"127.0.0.1:\(holder.port)\"\n" + Self.counted(pull: Tools.ipc("flag"))
    let flagged = try Tools.starling(["run", try OpsPeer.config(busy), "--http", "127.0.0.1:0"])
    let other = try await AdminClient.port(of: flagged)
    #expect(other != holder.port)
    #expect(try await AdminClient.request(other, "/ping").status == 200)
    flagged.signal(SIGINT)
    #expect(try await flagged.finish().status == 0)
  }

  @Test func aBadAddressIsACheckedError() async throws {
    let yaml = "http:\n  address: \"nowhere\"\n  port: 3\n" + Self.counted(pull: Tools.ipc("bad"))
    let file = try OpsPeer.config(yaml)
    let outcome = try await Tools.starling(["validate", file]).finish()
    #expect(outcome.status == 1)
    #expect(
      outcome.stderr.contains("\(file):2:12: error: http.address: 'nowhere' is not HOST:PORT"),
      "\(outcome.stderr)")
    #expect(outcome.stderr.contains("\(file):3:3: error: unknown field 'port' in `http` (known: address)"))
    let flag = try await Tools.starling(["run", PipelineCommandTests.hello, "--http", "4195"]).finish()
    #expect(flag.status != 0)
    #expect(flag.stderr.contains("--http: '4195' is not HOST:PORT"), "\(flag.stderr)")
    let both = try await Tools.starling(["run", file, "--http", "127.0.0.1:0", "--instances", "2"]).finish()
    #expect(both.status != 0)
    #expect(both.stderr.contains("--http serves one process"), "\(both.stderr)")
  }

  /// A TCP port bound and listening in this process, so that nothing else can have it.
  struct HeldPort {
    let descriptor: CInt
    let port: Int

    init() throws {
      let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      let length = socklen_t(MemoryLayout<sockaddr_in>.size)
      let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
      }
      guard bound == 0, listen(descriptor, 1) == 0 else { throw ProcessError("cannot hold a port") }
      var named = length
      _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &named) }
      }
      self.descriptor = descriptor
      port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(descriptor) }
  }
}
