import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import StarlingPipeline
import UnixSignals

/// `starling run FILE`: runs a pipeline in the foreground; `starling run` alone runs the demo.
struct RunCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a pipeline from a YAML config, in the foreground, logging to the console.",
    discussion: """
      The config is checked in full first: every problem is printed with its file and line, \
      and nothing starts. Ctrl-C (SIGINT) or SIGTERM stops the pipeline gracefully: inputs \
      stop and every accepted event is processed; a second signal stops at once. The \
      command exits when the pipeline stops, or when all its inputs are done. Without a \
      FILE it runs a built-in demo: two pipelines joined by a real SP socket.
      """)

  @Argument(help: "The pipeline's YAML config; leave it out for the built-in demo.")
  var file: String?

  @Option(name: .long, help: "Console log level: trace, debug, info, notice, warning, error, critical.")
  var logLevel: Logger.Level = .info

  func run() async throws {
    LogSetup.start(level: logLevel)
    let logger = Logger(label: "starling.pipeline")
    // Trap the signals before anything starts: a SIGINT that arrives while the pipeline is
    // starting must stop it gracefully, not end the process with the default action. Signals
    // caught before the watcher below runs wait in the sequence's buffer.
    let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
    let pipelines: [Pipeline]
    if let file {
      pipelines = [try PipelineLoading.pipeline(file: file, logger: logger)]
    } else {
      let url = DemoPipeline.address()
      FileHandle.standardError.write(Data(DemoPipeline.banner(url: url).utf8))
      do {
        pipelines = try DemoPipeline.pipelines(url: url)
      } catch let errors as ConfigErrors {
        throw PipelineConfigFailure(errors: errors)
      }
    }
    let group = ServiceGroup(
      configuration: ServiceGroupConfiguration(
        services: pipelines.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
        logger: logger))
    // swift-service-lifecycle refuses a signal that is both graceful and cancelling, so the
    // command watches the signals itself: the first stops gracefully, the second at once.
    let watcher = Task {
      var count = 0
      for await signal in signals {
        count += 1
        if count == 1 {
          logger.notice("\(signal): stopping gracefully (send it again to stop at once)")
          await group.triggerGracefulShutdown()
        } else {
          logger.warning("\(signal) again: stopping at once")
          for pipeline in pipelines { pipeline.stopNow() }
        }
      }
    }
    defer { watcher.cancel() }
    try await group.run()
  }
}

/// `starling validate FILE`: checks a config without running it.
struct ValidateCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check a pipeline config: module types, arguments and routes. Nothing is started.",
    discussion:
      "Prints every problem as FILE:LINE:COLUMN: error: MESSAGE and exits 1, or prints a summary and exits 0."
  )

  @Argument(help: "The pipeline's YAML config.")
  var file: String

  func run() async throws {
    let pipeline = try PipelineLoading.pipeline(file: file, logger: Logger(label: "starling.validate"))
    print("\(file): ok (\(pipeline.moduleNames.count) modules, \(pipeline.routeCount) routes)")
  }
}

/// Reading a config into a pipeline, with problems turned into the command's error lines.
enum PipelineLoading {
  static func pipeline(file: String, logger: Logger) throws -> Pipeline {
    do {
      return try Pipeline(config: PipelineConfig.load(file: file), logger: logger)
    } catch let errors as ConfigErrors {
      throw PipelineConfigFailure(errors: errors)
    }
  }
}

/// Config problems, printed one per line; the command exits 1.
struct PipelineConfigFailure: Error, CustomStringConvertible {
  let errors: ConfigErrors
  var description: String { errors.description }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
