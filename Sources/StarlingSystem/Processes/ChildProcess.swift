import NIOCore
import NIOPosix

import struct StarlingChannels.Lock

/// A running child process, its standard input, output and error as ``ByteStream``s.
///
/// ```swift
/// let grep = try await ChildProcess.spawn("grep", arguments: ["-c", "starling"])
/// try await grep.stdin.write("a starling\na sparrow\n")
/// try await grep.stdin.closeWrite()
/// let count = try await grep.stdout.readLine()  // "1"
/// let status = try await grep.wait()            // .exited(0)
/// ```
///
/// Each standard stream is a pipe (``Redirect/pipe``), inherited from this process, sent to
/// `/dev/null`, or (for standard error) sent where standard output goes. A stream that is not
/// a pipe throws ``StreamError/notReadable(_:)`` or ``StreamError/notWritable(_:)`` when used.
/// Reading is as for any ``ByteStream``: a child that writes faster than it is read blocks on
/// its pipe until it is read; nothing is lost.
///
/// A task cancelled while it ``wait()``s terminates the child: `SIGTERM`, then `SIGKILL` if it
/// has not ended after `terminationGrace`; `wait()` then throws `CancellationError`, and the
/// child is gone. A child is always reaped when it ends, whether or not anyone waits; dropping
/// the last reference to a `ChildProcess` does not stop the process (it closes this side's
/// ends of its pipes).
///
/// Built on `posix_spawn`, not on swift-subprocess: a subprocess there lives inside the closure
/// passed to its `run`, which must not let the execution (signals, input, output) escape, and
/// its output is its own sequence type on its own I/O thread. A `ChildProcess` is a value that
/// outlives any closure — spawned here, written to from one task, read from another, waited
/// for from a third — and its streams are the same ``ByteStream`` as a socket's, on SwiftNIO's
/// event loops, with one implementation of lines, counts, delimiters and backpressure.
public final class ChildProcess: Sendable {
  /// Where one of the child's standard streams goes.
  public enum Redirect: Sendable, Hashable {
    /// A pipe to this process: the stream is a ``ByteStream`` here.
    case pipe
    /// This process's own stream, shared.
    case inherit
    /// `/dev/null`: input at its end at once, output thrown away.
    case discard
    /// Standard error only: where standard output goes (a shell's `2>&1`).
    case standardOutput
  }

  /// The child's process ID.
  public let processID: Int32
  /// The child's standard input: write to it, and ``ByteStream/closeWrite()`` to end it.
  public let stdin: ByteStream
  /// The child's standard output.
  public let stdout: ByteStream
  /// The child's standard error.
  public let stderr: ByteStream
  /// How long a cancelled ``wait()`` gives the child between `SIGTERM` and `SIGKILL`.
  public let terminationGrace: Duration

  private let monitor: ProcessMonitor

  private init(
    monitor: ProcessMonitor, stdin: ByteStream, stdout: ByteStream, stderr: ByteStream,
    terminationGrace: Duration
  ) {
    self.monitor = monitor
    self.processID = monitor.processID
    self.stdin = stdin
    self.stdout = stdout
    self.stderr = stderr
    self.terminationGrace = terminationGrace
  }

  /// Starts `executable`.
  ///
  /// - Parameters:
  ///   - executable: a path (`/bin/ls`, `./tool`), or a name looked up on `PATH` — the
  ///     child's `PATH` if `environment` gives one, else this process's.
  ///   - arguments: the arguments, without the program's name.
  ///   - environment: the child's whole environment; `nil` for this process's.
  ///   - workingDirectory: where the child starts; `nil` for this process's.
  ///   - stdin: where standard input comes from (a pipe by default).
  ///   - stdout: where standard output goes (a pipe by default).
  ///   - stderr: where standard error goes (this process's by default).
  ///   - terminationGrace: see ``terminationGrace``.
  /// - Throws: ``ProcessError``: ``ProcessError/executableNotFound(_:searched:)``,
  ///   ``ProcessError/notExecutable(_:reason:)``,
  ///   ``ProcessError/invalidWorkingDirectory(_:reason:)``, ``ProcessError/invalidArgument(_:)``,
  ///   ``ProcessError/spawnFailed(_:reason:)``.
  public static func spawn(
    _ executable: String, arguments: [String] = [], environment: [String: String]? = nil,
    workingDirectory: String? = nil, stdin: Redirect = .pipe, stdout: Redirect = .pipe,
    stderr: Redirect = .inherit, terminationGrace: Duration = .seconds(5)
  ) async throws -> ChildProcess {
    let spawner = ProcessSpawner(
      executable: executable, arguments: arguments, environment: environment,
      workingDirectory: workingDirectory, stdin: stdin, stdout: stdout, stderr: stderr)
    let spawned = try await ThreadPool.shared.run { () throws(ProcessError) in try spawner.spawn() }
    let monitor = ProcessMonitor(processID: spawned.processID)
    do {
      let name = "the child's standard"
      let input = try await pipeStream(
        spawned.stdin, writing: true, unavailable: "\(name) input is not a pipe (\(stdin))")
      let output = try await pipeStream(
        spawned.stdout, writing: false, unavailable: "\(name) output is not a pipe (\(stdout))")
      let error = try await pipeStream(
        spawned.stderr, writing: false, unavailable: "\(name) error is not a pipe (\(stderr))")
      return ChildProcess(
        monitor: monitor, stdin: input, stdout: output, stderr: error, terminationGrace: terminationGrace)
    } catch {
      try? monitor.signal(.kill)
      throw error
    }
  }

  /// How the child ended, or `nil` while it runs.
  public var status: ExitStatus? { monitor.status }

  /// Waits for the child to end.
  ///
  /// - Returns: ``ExitStatus/exited(_:)`` with its code, or ``ExitStatus/signalled(_:)``.
  /// - Throws: `CancellationError` if the task was cancelled; the child has then been
  ///   terminated (see the type's documentation) and is gone.
  public func wait() async throws -> ExitStatus {
    if let status = monitor.status { return status }
    let status = await withTaskCancellationHandler {
      await monitor.wait()
    } onCancel: {
      Task { await terminate() }
    }
    if Task.isCancelled { throw CancellationError() }
    return status
  }

  /// Sends `signal` to the child.
  ///
  /// - Throws: ``ProcessError/notRunning(processID:)`` once it has ended.
  public func send(_ signal: UnixSignal) throws(ProcessError) {
    try monitor.signal(signal)
  }

  /// Stops the child: `SIGTERM`, then `SIGKILL` if it has not ended after `grace` (by default
  /// ``terminationGrace``). Returns how it ended.
  @discardableResult
  public func terminate(grace: Duration? = nil) async -> ExitStatus {
    if let status = monitor.status { return status }
    try? monitor.signal(.terminate)
    let grace = grace ?? terminationGrace
    let monitor = monitor
    let escalation = Task {
      try await Task.sleep(for: grace)
      try? monitor.signal(.kill)
    }
    let status = await monitor.wait()
    escalation.cancel()
    return status
  }

  private static func pipeStream(
    _ descriptor: Int32?, writing: Bool, unavailable: String
  ) async throws
    -> ByteStream
  {
    guard let descriptor else { return ByteStream(unavailable: unavailable) }
    let bootstrap = NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    let made = Lock<ByteStream?>.make(nil)
    let initializer: @Sendable (any Channel) -> EventLoopFuture<Void> = { channel in
      channel.eventLoop.makeCompletedFuture {
        let storage = ByteStreamStorage(
          channel: channel,
          readRefusal: writing ? "a child's standard input is written, not read" : nil,
          writeRefusal: writing ? nil : "a child's standard output and error are read, not written")
        try channel.pipeline.syncOperations.addHandler(ByteStreamHandler(storage: storage))
        made.withLock { $0 = ByteStream(storage: storage) }
      }
    }
    do {
      if writing {
        _ = try await bootstrap.channelInitializer(initializer).takingOwnershipOfDescriptor(
          output: descriptor
        ).get()
      } else {
        _ = try await bootstrap.channelInitializer(initializer).takingOwnershipOfDescriptor(input: descriptor)
          .get()
      }
    } catch {
      throw ProcessError.spawnFailed("a pipe", reason: "\(error)")
    }
    return made.withLock { $0 } ?? ByteStream(unavailable: unavailable)
  }
}
