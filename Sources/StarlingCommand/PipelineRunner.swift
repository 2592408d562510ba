import Logging
import StarlingPipeline

/// Runs `starling run`'s pipelines, and replaces them when the config file is reloaded.
///
/// **Reload** (``reload()``, on SIGHUP): the file is read and checked in full first; a config
/// with problems is refused, each problem logged, and the running pipeline goes on untouched.
/// A good one replaces it: the running pipeline stops accepting (its inputs stop; listening
/// TCP sockets stay open, held by ``ListeningSockets``), the new one starts (its listening
/// inputs take those sockets over, so no client is refused in between) and the old one drains
/// what it accepted, side by side with the new one. If the new pipeline cannot start while the
/// old one drains (an SP socket address the old one still holds, say), it is tried again once
/// the old one has finished; if it still cannot, the previous config is started again, and only
/// if that fails too does the command stop, with the reason.
actor PipelineRunner {
  /// Makes the pipelines of a config: `nil` for the one the file holds now.
  typealias Maker =
    @Sendable (PipelineConfig?, ListeningSockets) throws -> (config: PipelineConfig?, pipelines: [Pipeline])

  /// What is run: a config file, which can be reloaded, or fixed pipelines (the demo).
  let file: String?
  private let make: Maker
  private let logger: Logger
  private let listeners: ListeningSockets
  /// The pipelines of the config in force, and that config (to start again if a reload fails).
  private var current: [Pipeline] = []
  private var config: PipelineConfig?
  /// Every pipeline still running, current or draining, by identity.
  private var running: [ObjectIdentifier: Task<Void, Never>] = [:]
  private var stopping = false
  private var stoppingNow = false
  private var reloading = false
  private var reloadAgain = false
  /// Why the command must exit with an error, once everything has stopped.
  private(set) var failure: String?

  init(file: String?, listeners: ListeningSockets, logger: Logger, make: @escaping Maker) {
    self.file = file
    self.listeners = listeners
    self.logger = logger
    self.make = make
  }

  /// Checks the config (`config`, or the file's) and starts its pipelines.
  ///
  /// - Throws: ``PipelineConfigFailure`` with every problem of a bad config; the error of a
  ///   module that cannot start.
  func start(config: PipelineConfig? = nil) async throws {
    let (config, pipelines) = try make(config, listeners)
    try await Self.start(pipelines)
    self.config = config
    for pipeline in pipelines { launch(pipeline) }
    current = pipelines
  }

  /// What the admin server shows: the pipelines of the config in force, and why they are not
  /// ready (none when they are).
  func adminView() -> (pipelines: [Pipeline], notReady: [String]) {
    guard !current.isEmpty else {
      let reason =
        stopping
        ? "the pipeline is stopping"
        : reloading ? "a reload is starting the new pipeline" : "the pipeline is starting"
      return ([], [reason])
    }
    return (current, current.flatMap(\.notReady))
  }

  /// Returns once every pipeline has stopped: the current ones (stopped, or done with their
  /// inputs) and those that drain after a reload.
  func waitUntilDone() async {
    while true {
      if let (id, task) = running.first {
        await task.value
        running[id] = nil
      } else if reloading {
        // The old pipeline may have drained before the new one runs.
        await withCheckedContinuation { reloadWaiters.append($0) }
      } else {
        return
      }
    }
  }

  /// Who waits for the reload under way to finish.
  private var reloadWaiters: [CheckedContinuation<Void, Never>] = []

  /// Stops every pipeline gracefully: inputs stop, what was accepted is processed.
  func stop() {
    stopping = true
    for pipeline in current { pipeline.stop() }
  }

  /// Stops every pipeline at once, the draining ones too.
  func stopNow() {
    stopping = true
    stoppingNow = true
    for pipeline in current { pipeline.stopNow() }
    for pipeline in draining { pipeline.stopNow() }
  }

  private var draining: [Pipeline] = []

  /// Reads the config file again and, if it is good, replaces the running pipeline with it
  /// (see the type's documentation). A reload asked for while one is under way runs after it.
  func reload() async {
    guard let file else {
      logger.warning("nothing to reload: the demo runs no config file")
      return
    }
    guard !stopping else { return }
    guard !reloading else {
      reloadAgain = true
      return
    }
    reloading = true
    defer {
      reloading = false
      for waiter in reloadWaiters { waiter.resume() }
      reloadWaiters = []
    }
    repeat {
      reloadAgain = false
      await replace(file: file)
    } while reloadAgain && !stopping
  }

  private func replace(file: String) async {
    logger.notice("reloading \(file)")
    let next: (config: PipelineConfig?, pipelines: [Pipeline])
    do {
      next = try make(nil, listeners)
    } catch let failure as PipelineConfigFailure {
      for error in failure.errors.errors { logger.error("\(error)") }
      logger.error(
        "reload refused: \(Plural.count(failure.errors.errors.count, "problem")) in \(file); the running pipeline goes on"
      )
      return
    } catch {
      logger.error("reload refused: \(error); the running pipeline goes on")
      return
    }
    let old = current
    listeners.hold()
    defer { listeners.releaseUnclaimed() }
    for pipeline in old { pipeline.stop() }
    for pipeline in old { await pipeline.inputsStopped() }
    draining += old
    current = []
    if stopping { return }
    // What fails here may be held by the old pipeline still (an SP listener's address): that
    // is no error yet; once the old one has drained, once more.
    if await startAll(
      next.pipelines, failure: .notice, "the new pipeline cannot start beside the previous one")
    {
      adopt(next)
      logger.notice("reloaded \(file); the previous pipeline drains what it accepted")
      return
    }
    logger.notice("waiting for the previous pipeline to drain before starting the new one again")
    for pipeline in old { await finished(pipeline) }
    if stopping { return }
    if let again = try? make(next.config, listeners), await startAll(again.pipelines) {
      adopt(again)
      logger.notice("reloaded \(file) after the previous pipeline drained")
      return
    }
    guard let previous = config, let restored = try? make(previous, listeners),
      await startAll(restored.pipelines)
    else {
      failure = "the reloaded config cannot start, nor can the previous one"
      logger.critical("\(failure!): stopping")
      stopping = true
      return
    }
    adopt(restored)
    logger.error("reload failed: the new config cannot start; the previous config runs again")
  }

  /// Starts pipelines, logging the error of one that cannot start at `level` after `what`
  /// (the others are stopped).
  private func startAll(
    _ pipelines: [Pipeline], failure level: Logger.Level = .error,
    _ what: String = "the reloaded config cannot start"
  ) async -> Bool {
    do {
      try await Self.start(pipelines)
      return true
    } catch {
      logger.log(level: level, "\(what): \(error)")
      return false
    }
  }

  /// Starts pipelines; if one cannot start, stops those started before it and throws its error.
  private static func start(_ pipelines: [Pipeline]) async throws {
    var started: [Pipeline] = []
    for pipeline in pipelines {
      do {
        try await pipeline.start()
        started.append(pipeline)
      } catch {
        for pipeline in started {
          pipeline.stopNow()
          try? await pipeline.run()
        }
        throw error
      }
    }
  }

  private func adopt(_ next: (config: PipelineConfig?, pipelines: [Pipeline])) {
    config = next.config ?? config
    current = next.pipelines
    for pipeline in next.pipelines {
      launch(pipeline)
      if stoppingNow { pipeline.stopNow() } else if stopping { pipeline.stop() }
    }
  }

  /// Runs a pipeline in a task of its own. When a current pipeline ends by itself (its inputs
  /// are done), the others of its generation are stopped too.
  private func launch(_ pipeline: Pipeline) {
    let id = ObjectIdentifier(pipeline)
    running[id] = Task {
      do {
        try await pipeline.run()
      } catch {
        self.logger.error("\(error)")
      }
      self.ended(pipeline)
    }
  }

  private func ended(_ pipeline: Pipeline) {
    draining.removeAll { $0 === pipeline }
    guard current.contains(where: { $0 === pipeline }), !reloading else { return }
    for other in current where other !== pipeline { other.stop() }
  }

  private func finished(_ pipeline: Pipeline) async {
    await running[ObjectIdentifier(pipeline)]?.value
  }
}
