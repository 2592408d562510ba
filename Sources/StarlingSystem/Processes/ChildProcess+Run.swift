import NIOCore

extension ChildProcess {
  /// Runs `executable` to its end and returns its status and everything it wrote.
  ///
  /// ```swift
  /// let result = try await ChildProcess.run("git", arguments: ["rev-parse", "HEAD"])
  /// guard result.status.isSuccess else { throw … }
  /// print(result.output)  // the commit, with its newline
  /// ```
  ///
  /// Standard output and error are read at the same time (a child that fills one pipe while
  /// this side waits on the other would otherwise stall), `input` is written to standard input
  /// (or it is `/dev/null`).
  ///
  /// - Parameters:
  ///   - outputLimit: the most bytes kept of each of standard output and error; a child that
  ///     writes more is killed and ``ProcessError/outputTooLarge(limit:)`` is thrown.
  /// - Throws: what ``spawn(_:arguments:environment:workingDirectory:stdin:stdout:stderr:terminationGrace:)``
  ///   throws; ``ProcessError/outputTooLarge(limit:)``; `CancellationError` (the child is
  ///   terminated first).
  public static func run(
    _ executable: String, arguments: [String] = [], environment: [String: String]? = nil,
    workingDirectory: String? = nil, input: [UInt8]? = nil, outputLimit: Int = 16 << 20
  ) async throws -> ProcessOutput {
    let child = try await spawn(
      executable, arguments: arguments, environment: environment, workingDirectory: workingDirectory,
      stdin: input == nil ? .discard : .pipe, stdout: .pipe, stderr: .pipe)
    do {
      async let output = collect(child.stdout, limit: outputLimit)
      async let errorOutput = collect(child.stderr, limit: outputLimit)
      if let input {
        // A child that exits without reading all of its input is not an error here.
        try? await child.stdin.write(input)
        try? await child.stdin.closeWrite()
      }
      let (standardOutput, standardError) = try await (output, errorOutput)
      let status = try await child.wait()
      return ProcessOutput(status: status, standardOutput: standardOutput, standardError: standardError)
    } catch {
      await child.terminate(grace: .zero)
      throw error
    }
  }

  private static func collect(_ stream: ByteStream, limit: Int) async throws -> [UInt8] {
    var bytes: [UInt8] = []
    while let chunk = try await stream.read(upToCount: 65536) {
      guard bytes.count + chunk.readableBytes <= limit else {
        throw ProcessError.outputTooLarge(limit: limit)
      }
      bytes.append(contentsOf: chunk.readableBytesView)
    }
    return bytes
  }
}

/// What ``ChildProcess/run(_:arguments:environment:workingDirectory:input:outputLimit:)``
/// collected.
public struct ProcessOutput: Sendable, Hashable {
  /// How the child ended.
  public var status: ExitStatus
  /// Everything it wrote to standard output.
  public var standardOutput: [UInt8]
  /// Everything it wrote to standard error.
  public var standardError: [UInt8]

  /// Standard output as UTF-8 text (invalid bytes replaced).
  public var output: String { String(decoding: standardOutput, as: UTF8.self) }
  /// Standard error as UTF-8 text (invalid bytes replaced).
  public var errorOutput: String { String(decoding: standardError, as: UTF8.self) }
}
