import Foundation
import Logging
import StarlingPipeline
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `starling run FILE --instances N`: the supervisor process. It checks the config, starts N
/// workers (this program as `run FILE --worker I`), restarts a worker that dies with a growing
/// backoff (``InstanceSupervisorStateMachine``), checks the config again on SIGHUP before
/// passing the signal on (so a bad config is reported once, and the workers keep running), and
/// on SIGINT or SIGTERM stops every worker gracefully (a second signal: at once), then exits.
struct InstanceSupervisor {
  let file: String
  let count: Int
  let logLevel: Logger.Level
  let logFormat: LogFormat
  let logger: Logger
  /// The restarts' backoff, and how long a worker must run to count as healthy again.
  var backoff = Backoff(minimum: .seconds(1), maximum: .seconds(30))
  var stableAfter: Duration = .seconds(60)

  private enum Input: Sendable {
    case worker(WorkerProcess.Event)
    case signal(UnixSignal)
    case restartDue(Int)
  }

  func run() async throws {
    let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm, .sighup)
    // Every problem is reported here once, not by each worker.
    _ = try PipelineLoading.pipeline(file: file, instance: 1, logger: logger)
    guard let executable = Bundle.main.executablePath else {
      throw CommandFailure("cannot find this program's own path to start the workers")
    }
    let (inputs, feed) = AsyncStream<Input>.makeStream()
    let forwarding = Task {
      for await signal in signals { feed.yield(.signal(signal)) }
    }
    defer { forwarding.cancel() }

    var machine = InstanceSupervisorStateMachine<ContinuousClock.Instant>(
      count: count, backoff: backoff, stableAfter: stableAfter)
    var workers: [Int: WorkerProcess] = [:]
    var failure: String?
    var stops = 0
    var done = false

    func perform(_ action: InstanceSupervisorStateMachine<ContinuousClock.Instant>.Action) {
      switch action {
      case .start(let index):
        do {
          workers[index] = try WorkerProcess.spawn(
            executable: executable,
            arguments: [
              "run", file, "--worker", "\(index)", "--log-level", logLevel.rawValue, "--log-format",
              logFormat.rawValue,
            ],
            index: index, report: { feed.yield(.worker($0)) })
        } catch {
          logger.error("\(error)")
          failure = "\(error)"
          stopAll()
        }
      case .restart(let index, let delay):
        logger.notice("restarting worker \(index) in \(LogRecord.seconds(delay))")
        Task {
          try? await Task.sleep(for: delay)
          feed.yield(.restartDue(index))
        }
      case .finish:
        done = true
      case .giveUp(let reason):
        logger.error("\(reason): stopping the other workers (see the worker's error above)")
        failure = reason
        stopAll()
      }
    }

    func stopAll() {
      let (running, finish) = machine.stop()
      for index in running { workers[index]?.signal(SIGTERM) }
      if finish { done = true }
    }

    for action in machine.start() { perform(action) }
    logger.info("started \(Plural.count(count, "worker")) of \(file)")
    for await input in inputs {
      switch input {
      case .worker(.ready(let index, let pid)):
        machine.ready(index, at: .now)
        logger.info("worker \(index) (pid \(pid)) started its pipeline")
      case .worker(.exited(let index, let pid, let how)):
        if machine.isStopping {
          logger.info("worker \(index) (pid \(pid)) \(how)")
        } else {
          logger.error("worker \(index) (pid \(pid)) \(how)")
        }
        if let action = machine.exited(index, how: how, at: .now, jitter: .random(in: 0...1)) {
          perform(action)
        }
      case .restartDue(let index):
        if let action = machine.restartDue(index) { perform(action) }
      case .signal(let signal) where signal == .sighup:
        do {
          _ = try PipelineLoading.pipeline(file: file, instance: 1, logger: logger)
          logger.notice("SIGHUP: \(file) is good; reloading \(Plural.count(machine.running.count, "worker"))")
          for index in machine.running { workers[index]?.signal(SIGHUP) }
        } catch let problems as PipelineConfigFailure {
          for error in problems.errors.errors { logger.error("\(error)") }
          logger.error(
            "reload refused: \(Plural.count(problems.errors.errors.count, "problem")) in \(file); the workers go on"
          )
        } catch {
          logger.error("reload refused: \(error); the workers go on")
        }
      case .signal(let signal):
        stops += 1
        if stops == 1 {
          logger.notice(
            "\(signal): stopping \(Plural.count(machine.running.count, "worker")) gracefully (send it again to stop at once)"
          )
          stopAll()
        } else {
          logger.warning("\(signal) again: stopping the workers at once")
          for index in machine.running { workers[index]?.signal(SIGTERM) }
        }
      }
      if done { break }
    }
    feed.finish()
    if let failure { throw CommandFailure(failure) }
  }

}
