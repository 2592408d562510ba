import ArgumentParser
import Foundation
import Logging
import StarlingPipeline

/// `starling validate FILE...`: checks configs without running them.
struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check pipeline configs: module types, arguments and routes. Nothing is started.",
    discussion: """
      Every problem in every file is printed as FILE:LINE:COLUMN: error: MESSAGE on stderr (an \
      unset ${VAR} or a malformed route does not hide the others), and a good file as \
      FILE: ok (N modules, N routes) on stdout. Exits 1 if any file has a problem. With \
      --json, one JSON array on stdout instead: {"file", "valid", "modules", "routes", \
      "errors": [{"line", "column", "message"}]} per file.
      """)

  @Argument(help: "The pipelines' YAML configs.")
  var files: [String]

  @Flag(help: "Print the results as one JSON array on stdout.")
  var json = false

  func validate() throws {
    if files.isEmpty { throw ValidationError("give at least one config file") }
  }

  func run() throws {
    let results = files.map(ValidateCommand.check)
    if json {
      print(String(decoding: JSON.encode(.array(results.map(\.json)), pretty: true), as: UTF8.self))
    } else {
      for result in results {
        switch result.outcome {
        case .success(let pipeline):
          print(
            "\(result.file): ok (\(Plural.count(pipeline.modules, "module")), \(Plural.count(pipeline.routes, "route")))"
          )
        case .failure(let errors):
          FileHandle.standardError.write(Data("\(errors.description)\n".utf8))
        }
      }
    }
    if results.contains(where: { !$0.isValid }) { throw ExitCode(1) }
  }

  /// One file's result.
  struct Result {
    /// Module and route counts of a good config.
    struct Counts {
      var modules: Int
      var routes: Int
    }

    var file: String
    var outcome: Swift.Result<Counts, ConfigErrors>

    var isValid: Bool {
      if case .success = outcome { return true }
      return false
    }

    /// The result as `starling validate --json` prints it.
    var json: EventValue {
      switch outcome {
      case .success(let counts):
        return [
          "file": .string(file), "valid": true, "modules": .int(counts.modules),
          "routes": .int(counts.routes),
          "errors": [],
        ]
      case .failure(let errors):
        return [
          "file": .string(file), "valid": false,
          "errors": .array(
            errors.errors.map {
              [
                "line": .int($0.location.line), "column": .int($0.location.column),
                "message": .string($0.message),
              ]
            }),
        ]
      }
    }
  }

  /// Loads and checks one file.
  static func check(_ file: String) -> Result {
    do {
      let pipeline = try PipelineLoading.pipeline(file: file, logger: Logger(label: "starling.validate"))
      return Result(
        file: file, outcome: .success(.init(modules: pipeline.moduleNames.count, routes: pipeline.routeCount))
      )
    } catch let failure as PipelineConfigFailure {
      return Result(file: file, outcome: .failure(failure.errors))
    } catch {
      return Result(
        file: file,
        outcome: .failure(
          ConfigErrors(errors: [ConfigError("\(error)", at: SourceLocation(file: file, line: 0, column: 0))]))
      )
    }
  }
}
