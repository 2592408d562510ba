import ArgumentParser
import Foundation

/// The `starling` command's root: its subcommands, `--help` and `--version`.
struct StarlingCLI: AsyncParsableCommand {
  /// The version `starling --version` prints.
  static let version = "0.9.0"

  static let configuration = CommandConfiguration(
    commandName: "starling",
    abstract: "Scalability Protocols from the shell: talk to peers, measure, and run pipelines.",
    version: version,
    subcommands: [
      CatCommand.self, BenchCommand.self, RunCommand.self, ValidateCommand.self, GraphCommand.self,
      ListCommand.self, ShowCommand.self, ProxyCommand.self,
    ])

  /// Parses and runs, printing any error as one line on stderr (usage errors included, with a
  /// pointer to `--help` instead of the whole usage text).
  static func main() async {
    do {
      var command = try parseAsRoot()
      if var command = command as? any AsyncParsableCommand {
        try await command.run()
      } else {
        try command.run()
      }
    } catch {
      // A subcommand that printed its own report (validate) and only sets the status.
      if let code = error as? ExitCode { Foundation.exit(code.rawValue) }
      if exitCode(for: error) == .success { exit(withError: error) }
      let line: String
      switch error {
      case let error as CatError:
        line = error.description
      case let error as PipelineConfigFailure:
        // Every problem, one per line, as compilers print them.
        FileHandle.standardError.write(Data("\(error.description)\n".utf8))
        Foundation.exit(1)
      case let error as CommandFailure:
        line = error.description
      default:
        line = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
      }
      let subcommand = CommandLine.arguments.dropFirst().first.flatMap {
        ["cat", "bench", "run", "validate", "graph", "list", "show", "proxy"].contains($0) ? " \($0)" : nil
      }
      let hint = Self.isUsage(error) ? " (see 'starling\(subcommand ?? "") --help')" : ""
      FileHandle.standardError.write(Data("starling: \(line)\(hint)\n".utf8))
      Foundation.exit(Self.isUsage(error) ? 64 : 1)
    }
  }

  private static func isUsage(_ error: any Error) -> Bool {
    if case CatError.usage = error { return true }
    if error is CatError || error is CommandFailure { return false }
    return exitCode(for: error) == .validationFailure
  }
}

/// A failure a subcommand reports as one line on stderr (exit status 1).
struct CommandFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
