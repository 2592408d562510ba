import Foundation
import NIOCore
import Testing

@testable import StarlingSystem

/// ChildProcess against real programs: cat, sh, sleep, seq, true; and every way of starting
/// one wrongly. A `sleep` the test ends itself sleeps 300 s, far longer than a loaded machine
/// stalls a test (one stalled 49 s beside four builds, and a 30 s sleep ended on its own).
@Suite(.timeLimit(.minutes(5))) struct ChildProcessTests {
  @Test func catEchoesWhatItIsGivenAndExitsAtTheEndOfItsInput() async throws {
    let cat = try await ChildProcess.spawn("cat")
    #expect(cat.processID > 0)
    try await cat.stdin.write("one\ntwo\n")
    #expect(try await cat.stdout.readLine() == "one")
    try await cat.stdin.write(ByteBuffer(string: "three"))
    try await cat.stdin.closeWrite()
    #expect(try await cat.stdout.readLine() == "two")
    #expect(try await cat.stdout.readLine() == "three")
    #expect(try await cat.stdout.readLine() == nil)
    #expect(try await cat.wait() == .exited(0))
    #expect(cat.status == .exited(0))
  }

  @Test func anExitCodeComesBack() async throws {
    let shell = try await ChildProcess.spawn("sh", arguments: ["-c", "exit 3"], stdin: .discard)
    let status = try await shell.wait()
    #expect(status == .exited(3))
    #expect(!status.isSuccess)
    #expect(status.description == "exited with code 3")
  }

  @Test func aSignalledChildReportsItsSignal() async throws {
    let sleeper = try await ChildProcess.spawn("sleep", arguments: ["300"], stdin: .discard)
    try sleeper.send(.terminate)
    #expect(try await sleeper.wait() == .signalled(.terminate))
    #expect(throws: ProcessError.notRunning(processID: sleeper.processID)) { try sleeper.send(.terminate) }
  }

  @Test func aCancelledWaitTerminatesTheChild() async throws {
    let sleeper = try await ChildProcess.spawn("sleep", arguments: ["300"], stdin: .discard)
    let waiting = Task { try await sleeper.wait() }
    waiting.cancel()
    await #expect(throws: CancellationError.self) { try await waiting.value }
    #expect(sleeper.status == .signalled(.terminate), "the child is gone when the wait returns")
  }

  /// A child that ignores SIGTERM (`exec` keeps the ignored action in `sleep`), once it has
  /// said so.
  private func stubbornChild() async throws -> ChildProcess {
    let stubborn = try await ChildProcess.spawn(
      "sh", arguments: ["-c", "trap '' TERM; echo ready; exec sleep 300"], stdin: .discard,
      terminationGrace: .milliseconds(100))
    #expect(try await stubborn.stdout.readLine() == "ready", "the trap is set")
    return stubborn
  }

  @Test func aChildIgnoringSIGTERMIsKilledAfterTheGracePeriod() async throws {
    let stubborn = try await stubbornChild()
    #expect(await stubborn.terminate() == .signalled(.kill))
  }

  @Test func aCancelledWaitKillsAChildIgnoringSIGTERMAfterTheGracePeriod() async throws {
    let stubborn = try await stubbornChild()
    let waiting = Task { try await stubborn.wait() }
    waiting.cancel()
    await #expect(throws: CancellationError.self) { try await waiting.value }
    #expect(stubborn.status == .signalled(.kill), "SIGTERM was ignored; SIGKILL ended it")
  }

  @Test func theProcessIDIsTheChildsOwn() async throws {
    let shell = try await ChildProcess.spawn("sh", arguments: ["-c", "echo $$"], stdin: .discard)
    #expect(try await shell.stdout.readLine() == String(shell.processID))
    #expect(try await shell.wait() == .exited(0))
  }

  @Test func discardedOutputGoesNowhereAndCannotBeRead() async throws {
    let shell = try await ChildProcess.spawn(
      "sh", arguments: ["-c", "echo gone; echo also gone >&2"], stdin: .discard, stdout: .discard,
      stderr: .discard)
    #expect(try await shell.wait() == .exited(0))
    await #expect(throws: StreamError.notReadable("the child's standard output is not a pipe (discard)")) {
      try await shell.stdout.readLine()
    }
  }

  @Test func tenMegabytesReadSlowlyArriveWhole() async throws {
    // seq writes 1…1,500,000, one per line: 10,888,896 bytes (9,388,896 digits, 1,500,000
    // newlines).
    let seq = try await ChildProcess.spawn("seq", arguments: ["1", "1500000"], stdin: .discard)
    var bytes = 0
    var newlines = 0
    var last: [UInt8] = []
    while let chunk = try await seq.stdout.read(upToCount: 4096) {
      chunk.withUnsafeReadableBytes { buffer in
        for byte in buffer {
          if byte == 10 {
            newlines += 1
            if newlines < 1_500_000 { last.removeAll(keepingCapacity: true) }
          } else {
            last.append(byte)
          }
        }
      }
      bytes += chunk.readableBytes
      await Task.yield()  // a slow reader: the child waits on its full pipe meanwhile
    }
    #expect(bytes == 10_888_896)
    #expect(newlines == 1_500_000)
    #expect(String(decoding: last, as: UTF8.self) == "1500000")
    #expect(try await seq.wait() == .exited(0))
  }

  @Test func aChildThatNeverReadsItsInputHoldsTheWriterUntilItIsKilled() async throws {
    let sleeper = try await ChildProcess.spawn("sleep", arguments: ["300"])
    let writer = Task {
      // Far more than a pipe holds: the write waits for a reader that never comes.
      try await sleeper.stdin.write([UInt8](repeating: 7, count: 4 << 20))
    }
    try sleeper.send(.kill)
    #expect(try await sleeper.wait() == .signalled(.kill))
    await #expect(throws: StreamError.peerClosed) { try await writer.value }
  }

  @Test func writingToAChildThatHasExitedIsPeerClosed() async throws {
    let done = try await ChildProcess.spawn("true")
    #expect(try await done.wait() == .exited(0))
    await #expect(throws: StreamError.peerClosed) {
      // Written until the pipe is known to be broken (a process spawned meanwhile by another
      // thread holds the read end until it execs). A write returns before its bytes are sent:
      // the failure comes from the flush, or from the next write.
      for _ in 0..<100 {
        try await done.stdin.write("anyone?\n")
        try await done.stdin.flush()
      }
    }
  }

  @Test func environmentWorkingDirectoryAndMergedStandardError() async throws {
    let shell = try await ChildProcess.spawn(
      "/bin/sh", arguments: ["-c", "echo \"$GREETING\"; pwd; echo oops >&2"],
      environment: ["GREETING": "hello", "PATH": "/usr/bin:/bin"], workingDirectory: "/tmp", stdin: .discard,
      stderr: .standardOutput)
    var lines: [String] = []
    for try await line in shell.stdout.lines { lines.append(line) }
    #expect(lines == ["hello", "/tmp", "oops"])
    #expect(try await shell.wait() == .exited(0))
    await #expect(
      throws: StreamError.notReadable("the child's standard error is not a pipe (standardOutput)")
    ) {
      try await shell.stderr.readLine()
    }
    await #expect(throws: StreamError.self) { try await shell.stdin.write("x") }
    await #expect(throws: StreamError.notReadable("a child's standard input is written, not read")) {
      let cat = try await ChildProcess.spawn("cat")
      defer { try? cat.send(.kill) }
      return try await cat.stdin.readLine()
    }
  }

  @Test func anInheritedStreamIsThisProcesssOwn() async throws {
    // The child names what its standard error is: inherited, this process's (a pipe to the
    // test runner, or a terminal); discarded, /dev/null.
    let own = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/2")
    for (redirect, expected) in [(ChildProcess.Redirect.inherit, own), (.discard, "/dev/null")] {
      let shell = try await ChildProcess.spawn(
        "sh", arguments: ["-c", "readlink /proc/$$/fd/2"], stdin: .discard, stderr: redirect)
      #expect(try await shell.stdout.readLine() == expected, "\(redirect)")
      #expect(try await shell.wait() == .exited(0))
    }
  }

  @Test func aChildGetsNoneOfThisProcesssSockets() async throws {
    // SwiftNIO opens sockets without close-on-exec: a child that kept them would hold this
    // process's connections open.
    let (client, server, listener) = try await connectedPair()
    defer {
      client.close()
      server.close()
      listener.close()
    }
    let result = try await ChildProcess.run("sh", arguments: ["-c", "ls -l /proc/$$/fd"])
    #expect(result.status.isSuccess)
    #expect(!result.output.contains("socket:"), "\(result.output)")
  }

  @Test func runCollectsOutputStatusAndInput() async throws {
    let result = try await ChildProcess.run(
      "sh", arguments: ["-c", "tr a-z A-Z; echo warning >&2; exit 2"], input: Array("starling\n".utf8))
    #expect(result.output == "STARLING\n")
    #expect(result.errorOutput == "warning\n")
    #expect(result.status == .exited(2))
  }

  @Test func runKillsAChildThatWritesTooMuch() async throws {
    await #expect(throws: ProcessError.outputTooLarge(limit: 100_000)) {
      try await ChildProcess.run("yes", outputLimit: 100_000)
    }
  }

  @Test func spawningWhatDoesNotExistSaysWhereItLooked() async throws {
    let missing = await #expect(throws: ProcessError.self) {
      try await ChildProcess.spawn("no-such-program-starling", environment: ["PATH": "/usr/bin:/bin"])
    }
    #expect(missing == .executableNotFound("no-such-program-starling", searched: ["/usr/bin", "/bin"]))
    #expect(missing?.description.contains("was not found on PATH (/usr/bin:/bin)") == true)
    await #expect(throws: ProcessError.executableNotFound("/no/such/program", searched: [])) {
      try await ChildProcess.spawn("/no/such/program")
    }
  }

  @Test func spawningWhatCannotRunSaysWhy() async throws {
    await #expect(throws: ProcessError.notExecutable("/tmp", reason: "it is a directory")) {
      try await ChildProcess.spawn("/tmp")
    }
    let file = "/tmp/starling-system-not-executable-\(UInt32.random(in: 0...UInt32.max))"
    #expect(FileManager.default.createFile(atPath: file, contents: Data("echo hi\n".utf8)))
    defer { try? FileManager.default.removeItem(atPath: file) }
    let error = await #expect(throws: ProcessError.self) { try await ChildProcess.spawn(file) }
    #expect(error == .notExecutable(file, reason: "permission denied"))
    #expect(error?.description == "\(file) cannot be run: permission denied")
  }

  @Test func badArgumentsAreRefusedBeforeAnythingStarts() async throws {
    await #expect(
      throws: ProcessError.invalidWorkingDirectory("/no/such/dir", reason: "No such file or directory")
    ) {
      try await ChildProcess.spawn("true", workingDirectory: "/no/such/dir")
    }
    await #expect(throws: ProcessError.invalidArgument("'a\\0b' holds a NUL byte")) {
      try await ChildProcess.spawn("echo", arguments: ["a\0b"])
    }
    await #expect(throws: ProcessError.invalidArgument("'A=B' is not an environment variable name")) {
      try await ChildProcess.spawn("true", environment: ["A=B": "c"])
    }
    await #expect(throws: ProcessError.invalidArgument("standard input cannot go to standard output")) {
      try await ChildProcess.spawn("true", stdin: .standardOutput)
    }
  }
}
