import ArgumentParser
import Foundation
import Logging
import StarlingPipeline
import UnixSignals

/// `starling run FILE`: runs a pipeline in the foreground; `starling run` alone runs the demo.
struct RunCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a pipeline from a YAML config, in the foreground, logging to stderr.",
    discussion: """
      The config is checked in full first: every problem is printed with its file and line, \
      and nothing starts. Ctrl-C (SIGINT) or SIGTERM stops the pipeline gracefully: inputs \
      stop and every accepted event is processed; a second signal stops at once. SIGHUP \
      reloads the file: a config with problems is refused (each problem logged) and the \
      running pipeline goes on; a good one starts while the old one drains what it accepted \
      (listening TCP, HTTP and WebSocket inputs hand their sockets over: no client is refused). The command exits \
      when the pipeline stops, or when all its inputs are done. \
      --instances N runs N worker processes of the pipeline, sharing their listening TCP, \
      HTTP and WebSocket ports (SO_REUSEPORT); a worker that dies is restarted with a growing backoff; one \
      signal stops them all gracefully. ${STARLING_INSTANCE} in the config is the worker's \
      number (1 without --instances). --http HOST:PORT (or the config's `http: {address: \
      HOST:PORT}`) serves an admin HTTP server beside the pipeline: /metrics (Prometheus), /ping, \
      /ready (200 once every module has started and every dialing output has a peer, else 503 \
      with the reasons), /status (JSON, with the graph) and / (a live status page); it stays up \
      across reloads. Without a FILE it runs a built-in demo: two \
      pipelines joined by a real SP socket.
      """)

  @Argument(help: "The pipeline's YAML config; leave it out for the built-in demo.")
  var file: String?

  @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
  var logLevel: Logger.Level = .info

  @Option(name: .long, help: "Log format: text (one line per record) or json (one object per line).")
  var logFormat: LogFormat = .text

  @Option(name: .long, help: "Run this many worker processes of the pipeline (1 runs it in this process).")
  var instances: Int = 1

  @Option(name: .long, help: "Write this process's id to PATH while it runs.")
  var pidfile: String?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Serve the admin HTTP server at HOST:PORT: /metrics (Prometheus), /ping, /ready, /status (JSON) and / "
        + "(a live status page). Wins over the config's `http: {address: HOST:PORT}`.",
      valueName: "HOST:PORT"))
  var http: String?

  /// Set by the supervisor of `--instances`: run as its worker number N, sharing listening
  /// ports and telling it on descriptor 3 when the pipeline has started.
  @Option(name: .long, help: .hidden)
  var worker: Int?

  func validate() throws {
    guard (1...1024).contains(instances) else {
      throw ValidationError("--instances takes 1 to 1024, not \(instances)")
    }
    if instances > 1, file == nil {
      throw ValidationError("--instances needs a config FILE (the demo runs once)")
    }
    if let http {
      if let problem = AdminServerConfig.problem(with: http) { throw ValidationError("--http: \(problem)") }
      if instances > 1 {
        throw ValidationError(
          "--http serves one process, and --instances runs several: give each worker a port of its own in "
            + "the config instead, such as http: {address: \"127.0.0.1:419${STARLING_INSTANCE}\"}")
      }
    }
  }

  func run() async throws {
    if instances > 1, worker == nil, let file {
      LogSetup.start(level: logLevel, format: logFormat)
      defer { LogSetup.flush() }
      let pid = try pidfile.map(PidFile.create(at:))
      defer { pid?.remove() }
      try await InstanceSupervisor(
        file: file, count: instances, logLevel: logLevel, logFormat: logFormat,
        logger: Logger(label: "starling.supervisor")
      ).run()
      return
    }
    LogSetup.start(level: logLevel, format: logFormat, metadata: worker.map { ["instance": "\($0)"] } ?? [:])
    defer { LogSetup.flush() }
    if worker != nil { WorkerLink.prepare() }
    let logger = Logger(label: "starling.pipeline")
    // Trap the signals before anything starts: a SIGINT that arrives while the pipeline is
    // starting must stop it gracefully, not end the process with the default action. Signals
    // caught before the watcher below runs wait in the sequence's buffer.
    let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm, .sighup)
    let pid = try pidfile.map(PidFile.create(at:))
    defer { pid?.remove() }
    // The config is read first: its `http:` says whether the admin server runs, and
    // swift-metrics' backend must be in place before the pipelines (their sockets) are made.
    let config = try file.map { try PipelineLoading.config(file: $0, instance: worker ?? 1) }
    let runner = PipelineRunner(
      file: file, listeners: ListeningSockets(sharePorts: worker != nil), logger: logger,
      make: try maker(logger: logger))
    var admin: AdminServer?
    if let address = http ?? config?.http?.address {
      admin = try await AdminServer.start(
        address: address, registry: MetricsBackend.registry, logger: Logger(label: "starling.admin"),
        view: { await runner.adminView() })
    }
    let serving = Task { [admin] in await admin?.serve() }
    defer { serving.cancel() }
    do {
      try await runner.start(config: config)
    } catch {
      await admin?.stop()
      throw error
    }
    if worker != nil { WorkerLink.started() }
    let watcher = Task {
      var stops = 0
      for await signal in signals {
        if signal == .sighup {
          Task { await runner.reload() }
          continue
        }
        stops += 1
        if stops == 1 {
          logger.notice("\(signal): stopping gracefully (send it again to stop at once)")
          await runner.stop()
        } else {
          logger.warning("\(signal) again: stopping at once")
          await runner.stopNow()
        }
      }
    }
    defer { watcher.cancel() }
    await runner.waitUntilDone()
    await admin?.stop()
    await serving.value
    if let failure = await runner.failure { throw CommandFailure(failure) }
  }

  /// How the runner makes pipelines: from the file (read again on each reload), or the demo's.
  private func maker(logger: Logger) throws -> PipelineRunner.Maker {
    let registry = CommandEnvironment.registry
    guard let file else {
      let url = DemoPipeline.address()
      FileHandle.standardError.write(Data(DemoPipeline.banner(url: url).utf8))
      return { _, _ in
        do {
          return (nil, try DemoPipeline.pipelines(url: url))
        } catch let errors as ConfigErrors {
          throw PipelineConfigFailure(errors: errors)
        }
      }
    }
    let instance = worker ?? 1
    return { config, listeners in
      let config = try config ?? PipelineLoading.config(file: file, instance: instance, registry: registry)
      return (
        config,
        [try PipelineLoading.pipeline(config, registry: registry, logger: logger, listeners: listeners)]
      )
    }
  }
}

/// Reading a config into a pipeline, with problems turned into the command's error lines.
enum PipelineLoading {
  /// The config in `file`, with the command's module types; `${STARLING_INSTANCE}` in it is
  /// `instance`, the number of the worker running it (1 without `--instances`).
  static func config(
    file: String, instance: Int = 1, registry: ModuleRegistry = CommandEnvironment.registry
  ) throws -> PipelineConfig {
    do {
      return try PipelineConfig.load(
        file: file,
        environment: ProcessInfo.processInfo.environment.merging(["STARLING_INSTANCE": "\(instance)"]) { $1 },
        registry: registry)
    } catch let errors as ConfigErrors {
      throw PipelineConfigFailure(errors: errors)
    }
  }

  /// A pipeline of `config`.
  static func pipeline(
    _ config: PipelineConfig, registry: ModuleRegistry = CommandEnvironment.registry, logger: Logger,
    listeners: ListeningSockets = ListeningSockets()
  ) throws -> Pipeline {
    do {
      return try Pipeline(config: config, registry: registry, logger: logger, listeners: listeners)
    } catch {
      throw PipelineConfigFailure(errors: error)
    }
  }

  /// A pipeline of the config in `file`, as worker `instance` would run it.
  static func pipeline(file: String, instance: Int = 1, logger: Logger) throws -> Pipeline {
    try pipeline(config(file: file, instance: instance), logger: logger)
  }
}

/// Config problems, printed one per line; the command exits 1.
struct PipelineConfigFailure: Error, CustomStringConvertible {
  let errors: ConfigErrors
  var description: String { errors.description }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
