import CoreMetrics
import Logging
import ServiceLifecycle
import StarlingNetwork
import Synchronization

import struct StarlingChannels.Lock

/// A running pipeline: modules joined by bounded queues, as a config describes them.
///
/// ```swift
/// let config = try PipelineConfig.load(file: "hello.yaml")
/// let pipeline = try Pipeline(config: config)
/// try await pipeline.run()  // until the inputs finish, or stop() / a signal
/// ```
///
/// Making a pipeline checks the whole config and builds every module, so a bad config fails
/// here, before anything starts, with every problem listed. ``run()`` then starts the
/// modules (consumers before producers), moves events until the inputs are done or the
/// pipeline is stopped, and calls each module's ``PipelineModule/didStop()``.
///
/// **Stopping.** ``stop()`` (or a graceful-shutdown signal, when the pipeline runs in a
/// swift-service-lifecycle `ServiceGroup`) stops the inputs, then lets every event already
/// accepted flow to the end: each module stops once its inputs are drained, closing its
/// outputs behind it. ``stopNow()`` (a second signal, task cancellation, or
/// ``PipelineSettings/stopTimeout`` passing) stops everything at once.
public final class Pipeline: Service, Sendable {
  /// One module and its queues.
  struct Node: Sendable {
    let name: String
    let module: any PipelineModule
    let context: ModuleContext
    let inputs: [(name: String, queue: PipelineQueue)]
    let outputs: [PipelineQueue]
    let success: PipelineQueue?
    /// Whether the module is fed, directly or not, by `_logs` or `_metrics`: such a module
    /// can only finish after the funnels close.
    let followsFunnels: Bool
    let isFunnel: Bool
  }

  /// Where a pipeline is in its life.
  private enum Phase {
    case new, starting, started, running, finished
    /// A module failed to start: the pipeline cannot run.
    case failed
  }

  private struct State {
    var phase = Phase.new
    var stopping = false
    var hardStopped = false
    /// How to stop each module's own work (its run()): by name, until it has finished.
    var producers: [String: @Sendable () -> Void] = [:]
    var sources: Set<String> = []
    /// Inputs whose run() has not returned, and who waits for them all to have.
    var openSources = 0
    var inputWaiters: [CheckedContinuation<Void, Never>] = []
    var openUpstream = 0
    var openModules = 0
    var stopTimer: Task<Void, Never>?
    var done: AsyncStream<Void>.Continuation?
  }

  /// The settings the config gave.
  public let settings: PipelineSettings
  /// The modules and routes (what `starling graph` draws).
  public let graph: PipelineGraph
  let nodes: [Node]
  /// Start order is the reverse of this: consumers first.
  let order: [Node]
  private let routeQueues: [PipelineQueue]
  private let unconnectedQueues: [PipelineQueue]
  private let logsQueue: PipelineQueue
  private let metricsQueue: PipelineQueue
  /// Whether a route takes `_metrics.outbox` (else the funnel drops every metric event).
  private let metricsRouted: Bool
  private let logger: Logger
  private let state = Lock.make(State())
  private let ttlDrops = Atomic<Int>(0)
  /// What ``publishMetrics()`` last gave swift-metrics: its counters take the increments since.
  private let published = Lock.make(PublishedCounters())
  /// Tells the modules when the pipeline stops at once.
  private let stopSignal = StopSignal()

  /// Checks a config and builds its modules.
  ///
  /// - Parameters:
  ///   - config: the modules, routes and settings.
  ///   - registry: the module types the config may use.
  ///   - logger: where the `_logs` funnel writes when no route takes its outbox, and where the
  ///     pipeline reports starting and stopping.
  ///   - listeners: where listening inputs open their sockets: give the pipeline that replaces
  ///     this one the same, and its inputs take over this one's sockets (see
  ///     ``ListeningSockets``).
  /// - Throws: ``ConfigErrors`` with every problem in the config, each with its line.
  public init(
    config: PipelineConfig, registry: ModuleRegistry = .builtin,
    logger: Logger = Logger(label: "starling.pipeline"), listeners: ListeningSockets = ListeningSockets()
  )
    throws(ConfigErrors)
  {
    let plan = PipelinePlan.make(config, registry: registry)
    self.settings = plan.settings
    self.graph = PipelineGraph(plan: plan)
    self.logger = logger
    let capacity = plan.settings.queueSize
    var queueFrom: [QueueReference: PipelineQueue] = [:]
    var queuesTo: [String: [(String, PipelineQueue)]] = [:]
    var outputNames: [String: [String]] = [:]
    var edges: [String: Set<String>] = [:]
    for route in plan.routes {
      let queue = PipelineQueue(from: route.from, to: route.to, capacity: capacity)
      queueFrom[route.from] = queue
      queuesTo[route.to.module, default: []].append((route.to.queue, queue))
      outputNames[route.from.module, default: []].append(route.from.queue)
      edges[route.from.module, default: []].insert(route.to.module)
    }
    self.routeQueues = plan.routes.compactMap { queueFrom[$0.from] }
    metricsRouted = queueFrom[QueueReference(module: MetricsFunnel.name, queue: "outbox")] != nil
    let funnelCapacity = max(capacity, 1000)
    logsQueue = PipelineQueue(
      from: QueueReference(module: "*", queue: "logs"),
      to: QueueReference(module: LogFunnel.name, queue: "inbox"),
      capacity: funnelCapacity)
    metricsQueue = PipelineQueue(
      from: QueueReference(module: "*", queue: "metrics"),
      to: QueueReference(module: MetricsFunnel.name, queue: "inbox"), capacity: funnelCapacity)
    queuesTo[LogFunnel.name, default: []].append(("inbox", logsQueue))
    queuesTo[MetricsFunnel.name, default: []].append(("inbox", metricsQueue))

    let downstream = Pipeline.reachable(from: [LogFunnel.name, MetricsFunnel.name], edges: edges)
    var unconnected: [PipelineQueue] = []
    var errors = plan.errors
    var built: [Node] = []
    let funnels: [(String, ModuleDescriptor)] = [
      (LogFunnel.name, LogFunnel.descriptor), (MetricsFunnel.name, MetricsFunnel.descriptor),
    ]
    let entries: [(String, ModuleDescriptor, PipelinePlan.Node?)] =
      plan.nodes.map { ($0.config.name, $0.type.descriptor, $0) } + funnels.map { ($0.0, $0.1, nil) }
    for (name, descriptor, planned) in entries where planned?.isComplete ?? true {
      var outputs: [String: PipelineQueue] = [:]
      var owned: [PipelineQueue] = []
      for queue in Set(descriptor.allOutputs + (outputNames[name] ?? [])) {
        let reference = QueueReference(module: name, queue: queue)
        if let routed = queueFrom[reference] {
          outputs[queue] = routed
          owned.append(routed)
        } else {
          let dropping = PipelineQueue(unconnected: reference)
          outputs[queue] = dropping
          if queue != "success" { unconnected.append(dropping) }
        }
      }
      let inputs = queuesTo[name] ?? []
      let context = ModuleContext(
        name: name, type: descriptor.type, arguments: planned?.arguments ?? ModuleArguments(),
        connectedInputs: inputs.map(\.0), connectedOutputs: outputNames[name] ?? [], outputs: outputs,
        logs: logsQueue, metrics: metricsQueue, listeners: listeners, stopSignal: stopSignal)
      let module: any PipelineModule
      do {
        if name == LogFunnel.name {
          module = LogFunnel(context: context, logger: logger)
        } else if name == MetricsFunnel.name {
          module = MetricsFunnel(context: context)
        } else {
          module = try planned!.type.init(context: context)
        }
      } catch let invalid as InvalidArguments {
        // Each problem at the line of the argument (or list item) it is about.
        let module = planned?.config
        for problem in invalid.problems {
          let argument = String(problem.path.prefix { $0 != "[" && $0 != "." })
          let location =
            module?.itemLocations[problem.path] ?? module?.arguments[argument]?.location ?? module?.location
            ?? SourceLocation(file: config.file, line: 1, column: 1)
          errors.append(
            ConfigError("module '\(name)' (\(descriptor.type)): \(problem.message)", at: location))
        }
        continue
      } catch {
        errors.append(
          ConfigError(
            "module '\(name)' (\(descriptor.type)): \(error)",
            at: planned?.config.location ?? SourceLocation(file: config.file, line: 1, column: 1)))
        continue
      }
      built.append(
        Node(
          name: name, module: module, context: context, inputs: inputs.map { (name: $0.0, queue: $0.1) },
          outputs: owned, success: outputs["success"].flatMap { $0.isConnected ? $0 : nil },
          followsFunnels: downstream.contains(name), isFunnel: planned == nil))
    }
    guard errors.isEmpty else { throw ConfigErrors(sorting: errors) }
    self.nodes = built
    self.unconnectedQueues = unconnected
    self.order = Pipeline.topologicalOrder(built, edges: edges)
  }

  // MARK: Graph helpers

  private static func reachable(from roots: [String], edges: [String: Set<String>]) -> Set<String> {
    var seen: Set<String> = []
    var pending = roots
    while let next = pending.popLast() {
      for child in edges[next] ?? [] where seen.insert(child).inserted { pending.append(child) }
    }
    return seen
  }

  /// Producers before consumers (Kahn's algorithm over the modules' positions; validation
  /// refuses cycles, and a module left over would keep the config's order).
  private static func topologicalOrder(_ nodes: [Node], edges: [String: Set<String>]) -> [Node] {
    var position: [String: Int] = [:]
    position.reserveCapacity(nodes.count)
    for (index, node) in nodes.enumerated() { position[node.name] = index }
    var indegree = Array(repeating: 0, count: nodes.count)
    for (_, targets) in edges {
      for target in targets { if let index = position[target] { indegree[index] += 1 } }
    }
    // `ordered` doubles as the queue of modules ready to place: those before `next` are done.
    var ordered = nodes.indices.filter { indegree[$0] == 0 }
    var next = 0
    while next < ordered.count {
      let index = ordered[next]
      next += 1
      for target in (edges[nodes[index].name] ?? []).sorted() {
        guard let child = position[target] else { continue }
        indegree[child] -= 1
        if indegree[child] == 0 { ordered.append(child) }
      }
    }
    if ordered.count < nodes.count {
      let placed = Set(ordered)
      ordered += nodes.indices.filter { !placed.contains($0) }
    }
    return ordered.map { nodes[$0] }
  }

  // MARK: Running

  /// Starts the modules, consumers first (their ``PipelineModule/willStart()``: sockets
  /// bound, files opened), without moving events yet: ``run()`` does that. Calling it first
  /// tells a start that failed (a port in use, a certificate that cannot be read) from a run;
  /// ``run()`` starts the pipeline itself when it has not been started.
  ///
  /// - Throws: ``PipelineError/startFailed(module:reason:)`` if a module's `willStart()`
  ///   throws (the modules already started are stopped again, and the pipeline cannot run).
  public func start() async throws {
    let phase = state.withLock { state in
      defer { if state.phase == .new { state.phase = .starting } }
      return state.phase
    }
    precondition(phase == .new, "a pipeline starts once")
    var started: [Node] = []
    for node in order.reversed() {
      do {
        try await node.module.willStart()
        started.append(node)
      } catch {
        for node in started.reversed() { await node.module.didStop() }
        state.withLock { $0.phase = .failed }
        inputsFinished()
        throw PipelineError.startFailed(module: node.name, reason: SystemError.describe(error))
      }
    }
    state.withLock { $0.phase = .started }
    logger.info(
      "pipeline started",
      metadata: ["modules": "\(nodes.count - 2)", "routes": "\(routeQueues.count)"])
  }

  /// Runs the pipeline until its inputs finish or it is stopped, starting it first if
  /// ``start()`` has not. After the last event has moved, every module's `didStop()` is
  /// called.
  ///
  /// - Throws: ``PipelineError/startFailed(module:reason:)`` if a module's `willStart()`
  ///   throws (the modules already started are stopped again).
  public func run() async throws {
    if state.withLock({ $0.phase == .new }) { try await start() }
    let (done, doneContinuation) = AsyncStream<Void>.makeStream()
    let phase = state.withLock { state in
      defer { if state.phase == .started { state.phase = .running } }
      state.done = doneContinuation
      state.openModules = nodes.count
      state.openUpstream = nodes.filter { !$0.followsFunnels && !$0.isFunnel }.count
      state.sources = Set(nodes.filter { $0.inputs.isEmpty }.map(\.name))
      state.openSources = state.sources.count
      return state.phase
    }
    precondition(phase == .started, "a pipeline runs once, after a start that succeeded")
    if state.withLock({ $0.openUpstream }) == 0 { finishFunnels() }
    if state.withLock({ $0.openSources }) == 0 { inputsFinished() }
    await withTaskCancellationHandler {
      await withGracefulShutdownHandler {
        await runModules(until: done)
      } onGracefulShutdown: {
        self.stop()
      }
    } onCancel: {
      self.stopNow()
    }
    state.withLock { $0.stopTimer?.cancel() }
    for node in order { await node.module.didStop() }
    state.withLock { $0.phase = .finished }
    inputsFinished()
    logger.info("pipeline stopped")
  }

  /// Waits until every input has stopped (their ``PipelineModule/run()`` has returned), so the
  /// pipeline accepts nothing more: after ``stop()``, the moment a pipeline that replaces this
  /// one can start, while this one drains. Returns at once if the pipeline was never started,
  /// failed to start or has finished; a pipeline that has started but does not run yet is
  /// waited for (its inputs hold their sockets until ``run()`` stops them).
  public func inputsStopped() async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let now = state.withLock { state -> Bool in
        switch state.phase {
        case .starting, .started: break
        case .running where state.openSources > 0: break
        default: return true
        }
        state.inputWaiters.append(continuation)
        return false
      }
      if now { continuation.resume() }
    }
  }

  private func inputsFinished() {
    let waiters = state.withLock { state in
      defer { state.inputWaiters = [] }
      return state.inputWaiters
    }
    for waiter in waiters { waiter.resume() }
  }

  private func runModules(until done: AsyncStream<Void>) async {
    let reporter = Task { await reportStatistics() }
    // An input runs in a task of its own, which stopping cancels. The other modules run in a
    // tree of task groups of at most `Pipeline.groupSize` children: a group finds a finished
    // child by walking its list of children, so one group of n modules cost n^2 to wind down (a
    // graceful stop of 146,000 modules took 53 s); and a group's children share its task-local
    // values where a task of its own copies them (a few kilobytes each).
    let sources = nodes.filter(\.inputs.isEmpty).map { node in
      let drive = Task { await self.drive(node) }
      let cancelNow = state.withLock { state in
        state.producers[node.name] = { drive.cancel() }
        return state.stopping
      }
      if cancelNow { drive.cancel() }
      return drive
    }
    try? await withThrowingDiscardingTaskGroup { group in
      group.addTask { await self.drive(self.nodes.filter { !$0.inputs.isEmpty }[...]) }
      group.addTask {
        for await _ in done {}
        // Stopping at once has cancelled the inputs; the rest go with the group.
        if self.state.withLock({ $0.hardStopped }) { throw CancellationError() }
      }
      for source in sources { await source.value }
    }
    reporter.cancel()
  }

  /// The most children a task group driving modules has.
  static let groupSize = 64

  /// Drives modules in a tree of task groups of at most ``groupSize`` children.
  private func drive(_ nodes: ArraySlice<Node>) async {
    let share =
      nodes.count <= Pipeline.groupSize ? 1 : (nodes.count + Pipeline.groupSize - 1) / Pipeline.groupSize
    await withDiscardingTaskGroup { group in
      for start in stride(from: nodes.startIndex, to: nodes.endIndex, by: share) {
        let part = nodes[start..<min(start + share, nodes.endIndex)]
        group.addTask {
          if part.count == 1, let node = part.first {
            await self.drive(node)
          } else {
            await self.drive(part)
          }
        }
      }
    }
  }

  private func drive(_ node: Node) async {
    let module = node.module
    let outcome: Result<Void, any Error>
    if node.inputs.isEmpty {
      // A source's work is its run(), in this task (one task per module, not two): stopping
      // cancels this task.
      do {
        try await module.run()
        outcome = .success(())
      } catch {
        outcome = .failure(error)
      }
    } else {
      let producer = Task { try await module.run() }
      let cancelNow = state.withLock { state in
        state.producers[node.name] = { producer.cancel() }
        return state.hardStopped
      }
      if cancelNow { producer.cancel() }
      if let only = node.inputs.first, node.inputs.count == 1 {
        await consume(node, from: only.name, queue: only.queue)
      } else {
        await withDiscardingTaskGroup { group in
          for input in node.inputs {
            group.addTask { await self.consume(node, from: input.name, queue: input.queue) }
          }
        }
      }
      producer.cancel()
      outcome = await producer.result
    }
    if case .failure(let error) = outcome, !(error is CancellationError) {
      node.context.log(.error, "stopped: \(error)")
      logger.error(
        "module stopped with an error", metadata: ["module": .string(node.name), "error": "\(error)"])
    }
    for queue in node.outputs { queue.close() }
    finished(node)
  }

  private func consume(_ node: Node, from name: String, queue: PipelineQueue) async {
    let loop = ConsumeLoop(
      module: node.name, context: node.context, success: node.success,
      completesEvents: type(of: node.module).descriptor.completesEvents,
      expired: { [self] in ttlDrops.add(1, ordering: .relaxed) },
      isStoppingNow: { [self] in state.withLock { $0.hardStopped } })
    await node.module.consumeAll(from: queue, named: name, loop: loop)
  }

  private func finished(_ node: Node) {
    let (funnelsNow, allDone, inputsDone) = state.withLock { state in
      state.producers[node.name] = nil
      state.openModules -= 1
      var inputsDone = false
      if state.sources.contains(node.name) {
        state.openSources -= 1
        inputsDone = state.openSources == 0
      }
      var funnelsNow = false
      if !node.followsFunnels && !node.isFunnel {
        state.openUpstream -= 1
        funnelsNow = state.openUpstream == 0
      }
      return (funnelsNow, state.openModules == 0, inputsDone)
    }
    if inputsDone { inputsFinished() }
    if funnelsNow { finishFunnels() }
    if allDone { state.withLock { $0.done?.finish() } }
  }

  /// Every module that feeds the funnels has stopped: report the statistics one last time
  /// and close the funnels' queues, so the modules after them can stop too.
  private func finishFunnels() {
    if settings.metricsInterval > .zero { report(previous: [:], interval: 0) }
    logsQueue.close()
    metricsQueue.close()
  }

  /// Stops the pipeline gracefully: the inputs stop, and every event already accepted is
  /// processed before the modules stop. Returns at once; ``run()`` returns when it is done.
  /// If the stop takes longer than ``PipelineSettings/stopTimeout``, the pipeline stops at
  /// once.
  public func stop() {
    let producers = state.withLock { state -> [@Sendable () -> Void] in
      if state.stopping { return [] }
      state.stopping = true
      let timeout = settings.stopTimeout
      state.stopTimer = Task { [weak self] in
        guard (try? await Task.sleep(for: timeout)) != nil else { return }
        self?.logger.warning("graceful stop took longer than the stop timeout; stopping now")
        self?.stopNow()
      }
      return state.sources.compactMap { state.producers[$0] }
    }
    if !producers.isEmpty { logger.info("stopping: inputs closed, draining queues") }
    for cancel in producers { cancel() }
  }

  /// Stops everything at once: inputs and modules are cancelled and events still queued are
  /// dropped.
  public func stopNow() {
    let producers = state.withLock { state -> [@Sendable () -> Void] in
      if state.hardStopped { return [] }
      state.hardStopped = true
      state.stopping = true
      state.done?.finish()
      return Array(state.producers.values)
    }
    for cancel in producers { cancel() }
    stopSignal.fire()
    for queue in routeQueues { queue.close() }
    logsQueue.close()
    metricsQueue.close()
  }

  /// The names of the config's modules (not the funnels), producers first.
  public var moduleNames: [String] { order.filter { !$0.isFunnel }.map(\.name) }

  /// How many routes connect the modules.
  public var routeCount: Int { routeQueues.count }

  // MARK: Statistics

  /// Every queue's counters now: routes, the funnels' inputs, and unconnected outputs (which
  /// only drop).
  public var statistics: [QueueStatistics] {
    (routeQueues + [logsQueue, metricsQueue] + unconnectedQueues).map(\.statistics)
  }

  /// Events dropped because their time-to-live ran out.
  public var expiredEvents: Int { ttlDrops.load(ordering: .relaxed) }

  private func reportStatistics() async {
    let interval = settings.metricsInterval
    guard interval > .zero else { return }
    var previous: [String: QueueStatistics] = [:]
    let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
    while (try? await Task.sleep(for: interval)) != nil {
      previous = report(previous: previous, interval: seconds)
    }
  }

  /// Sends one statistics event per queue to `_metrics` (with the rates since the previous
  /// report) and publishes the numbers to swift-metrics; returns the counters for the next
  /// report's rates.
  @discardableResult
  private func report(previous: [String: QueueStatistics], interval: Double) -> [String: QueueStatistics] {
    let all = publishMetrics()
    var current: [String: QueueStatistics] = [:]
    current.reserveCapacity(all.count)
    for statistics in all {
      current[statistics.name] = statistics
      // The funnel drops what no route takes: no event is made for it.
      guard metricsRouted, statistics.module != "*" else { continue }
      let before = previous[statistics.name]
      var data: [String: EventValue] = [
        "type": "queue", "module": .string(statistics.module), "queue": .string(statistics.queue),
        "route": .string(statistics.name), "size": .int(statistics.size),
        "capacity": .int(statistics.capacity),
        "in_total": .int(statistics.received), "out_total": .int(statistics.sent),
        "dropped_total": .int(statistics.dropped),
      ]
      if interval > 0 {
        data["in_rate"] = .double(Double(statistics.received - (before?.received ?? 0)) / interval)
        data["out_rate"] = .double(Double(statistics.sent - (before?.sent ?? 0)) / interval)
      }
      metricsQueue.offer(Event(data: .object(data)))
    }
    return current
  }

  // MARK: Metrics and readiness

  /// What ``publishMetrics()`` gave swift-metrics last time, by queue and by module.
  private struct PublishedCounters {
    var queues: [String: QueueStatistics] = [:]
    var modules: [String: ModuleStatistics] = [:]
  }

  /// Gives swift-metrics (whatever backend the process bootstrapped: `starling run --http`
  /// bootstraps Prometheus) every queue's and module's numbers now, and returns the queues'.
  /// The pipeline does it every ``PipelineSettings/metricsInterval``; an admin server does it
  /// before each scrape, so that `/metrics` is up to date.
  ///
  /// | metric | kind | dimensions |
  /// |---|---|---|
  /// | `starling_pipeline_queue_size`, `starling_pipeline_queue_capacity` | gauge | `module`, `queue` |
  /// | `starling_pipeline_events_in_total`, `…_out_total`, `…_dropped_total` | counter | `module`, `queue` |
  /// | `starling_pipeline_module_processed_total`, `…_failed_total` | counter | `module`, `type` |
  ///
  /// Counters take the increments since the last call, so pipelines that replace each other
  /// (a reload) continue the same series. The socket modules' sockets report to swift-metrics
  /// themselves, named after their module (`socket` dimension; see Starling's socket metrics).
  @discardableResult
  public func publishMetrics() -> [QueueStatistics] {
    // Read under the lock: two callers at once (the timer and a scrape) must not give the
    // older numbers after the newer ones (a negative increment).
    published.withLock { published in
      let queues = statistics
      let modules = moduleStatistics
      for statistics in queues {
        let before = published.queues[statistics.name]
        published.queues[statistics.name] = statistics
        let dimensions = [("module", statistics.module), ("queue", statistics.queue)]
        Gauge(label: "starling_pipeline_queue_size", dimensions: dimensions).record(statistics.size)
        Gauge(label: "starling_pipeline_queue_capacity", dimensions: dimensions).record(statistics.capacity)
        Counter(label: "starling_pipeline_events_in_total", dimensions: dimensions)
          .increment(by: statistics.received - (before?.received ?? 0))
        Counter(label: "starling_pipeline_events_out_total", dimensions: dimensions)
          .increment(by: statistics.sent - (before?.sent ?? 0))
        Counter(label: "starling_pipeline_events_dropped_total", dimensions: dimensions)
          .increment(by: statistics.dropped - (before?.dropped ?? 0))
      }
      for module in modules {
        let before = published.modules[module.name]
        published.modules[module.name] = module
        let dimensions = [("module", module.name), ("type", module.type)]
        Counter(label: "starling_pipeline_module_processed_total", dimensions: dimensions)
          .increment(by: module.processed - (before?.processed ?? 0))
        Counter(label: "starling_pipeline_module_failed_total", dimensions: dimensions)
          .increment(by: module.failed - (before?.failed ?? 0))
      }
      return queues
    }
  }

  /// Every module's numbers now (the config's modules, not the funnels), producers first.
  public var moduleStatistics: [ModuleStatistics] {
    order.filter { !$0.isFunnel }.map { $0.context.counters.statistics(name: $0.name, type: $0.context.type) }
  }

  /// Why the pipeline is not ready, one reason a line; empty once every module has started
  /// and every socket output that dials has a peer (an admin server's `/ready`).
  public var notReady: [String] {
    let phase = state.withLock { $0.phase }
    switch phase {
    case .new, .starting: return ["the pipeline is starting"]
    case .failed: return ["the pipeline failed to start"]
    case .finished: return ["the pipeline has stopped"]
    case .started, .running: break
    }
    if state.withLock({ $0.stopping }) { return ["the pipeline is stopping"] }
    return moduleStatistics.compactMap { module in module.waitingFor.map { "module '\(module.name)': \($0)" }
    }
  }
}
