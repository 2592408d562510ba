import Foundation
import Testing

/// `starling cat` run as a program, talking to itself, and its errors: each one line on
/// stderr and a non-zero exit.
@Suite(.timeLimit(.minutes(5)))
struct CatEndToEndTests {
  @Test func reqAndRepOverTCP() async throws {
    let rep = try Tools.starling([
      "cat", "--rep0", "--listen", "tcp://127.0.0.1:0", "-v", "-D", "pong", "-C", "1", "-Q",
    ])
    let url = try await Tools.listeningURL(rep)
    let req = try await Tools.cat(["--req0", "--dial", url, "-D", "ping", "--quoted"])
    #expect(req.status == 0, "\(req.stderr)")
    #expect(req.stdoutText == "\"pong\"\n")
    let served = try await rep.finish()
    #expect(served.status == 0)
    #expect(served.stdoutText == "\"ping\"\n")
  }

  @Test func pushAndPullOverIPCWithDataFromStdin() async throws {
    let url = Tools.ipc()
    let pull = try Tools.starling(["cat", "--pull0", "--listen", url, "-v", "--count", "3", "--hex"])
    _ = try await Tools.listeningURL(pull)
    let push = try await Tools.cat(
      ["--push0", "--dial", url, "-F", "-", "-C", "3"], stdin: Data([0, 0xfe, 0x41]))
    #expect(push.status == 0, "\(push.stderr)")
    let pulled = try await pull.finish()
    #expect(pulled.status == 0)
    #expect(pulled.stdoutText == String(repeating: #""\x00\xfe\x41""# + "\n", count: 3))
  }

  @Test func pairSendsAndPrintsBothWays() async throws {
    let url = Tools.ipc()
    let left = try Tools.starling([
      "cat", "--pair", "--listen", url, "-v", "-D", "from-left", "-C", "1", "-A",
    ])
    _ = try await Tools.listeningURL(left)
    let right = try await Tools.cat(["--pair1", "--dial", url, "-D", "from-right", "-C", "1", "-A"])
    #expect(right.status == 0, "\(right.stderr)")
    #expect(right.stdoutText == "from-left")
    let leftOutcome = try await left.finish()
    #expect(leftOutcome.stdoutText == "from-right")
  }

  @Test func surveyorPrintsTheResponseAndExitsAfterTheDeadline() async throws {
    let respondent = try Tools.starling([
      "cat", "--respondent0", "--listen", "tcp://127.0.0.1:0", "-v", "-D", "here", "-C", "1", "-Q",
    ])
    let url = try await Tools.listeningURL(respondent)
    let surveyor = try await Tools.cat(["--surveyor0", "--dial", url, "-D", "who?", "-Q"])
    #expect(surveyor.status == 0, "\(surveyor.stderr)")
    #expect(surveyor.stdoutText == "\"here\"\n")
    #expect(try await respondent.finish().stdoutText == "\"who?\"\n")
  }

  @Test func subPrintsOnlyItsTopics() async throws {
    let url = Tools.ipc()
    let sub = try Tools.starling([
      "cat", "--sub0", "--listen", url, "-v", "--subscribe", "news", "-C", "1", "-Q",
    ])
    _ = try await Tools.listeningURL(sub)
    let sports = try await Tools.cat(["--pub0", "--dial", url, "-D", "sports: 1-0"])
    #expect(sports.status == 0, "\(sports.stderr)")
    let news = try await Tools.cat(["--pub0", "--dial", url, "-D", "news: rain"])
    #expect(news.status == 0, "\(news.stderr)")
    let received = try await sub.finish()
    #expect(received.status == 0)
    #expect(received.stdoutText == "\"news: rain\"\n")
  }

  @Test func busPeersHearEachOther() async throws {
    let url = Tools.ipc()
    let hub = try Tools.starling(["cat", "--bus0", "--listen", url, "-v", "-C", "1", "-Q"])
    _ = try await Tools.listeningURL(hub)
    let node = try Tools.starling(["cat", "--bus", "--dial", url, "-D", "hello bus"])
    let heard = try await hub.finish()
    #expect(heard.status == 0)
    #expect(heard.stdoutText == "\"hello bus\"\n")
    let stopped = try await node.stop()
    #expect(stopped.stderr.isEmpty)
  }

  @Test func reqWithCountSendsThatManyRequests() async throws {
    let rep = try Tools.starling([
      "cat", "--rep0", "--listen", "tcp://127.0.0.1:0", "-v", "-D", "ok", "-C", "3", "-A",
    ])
    let url = try await Tools.listeningURL(rep)
    let req = try await Tools.cat(["--req0", "--dial", url, "-D", "q", "-C", "3", "-A", "--delay", "0.1"])
    #expect(req.status == 0, "\(req.stderr)")
    #expect(req.stdoutText == "okokok")
    #expect(try await rep.finish().stdoutText == "qqq")
  }

  @Test func pushRepeatsEveryInterval() async throws {
    let url = Tools.ipc()
    let pull = try Tools.starling(["cat", "--pull0", "--listen", url, "-v", "-C", "3", "-A"])
    _ = try await Tools.listeningURL(pull)
    let push = try await Tools.cat(["--push0", "--dial", url, "-D", "tick ", "--interval", "0.05", "-C", "3"])
    #expect(push.status == 0, "\(push.stderr)")
    #expect(try await pull.finish().stdoutText == "tick tick tick ")
  }

  @Test func anAsyncDialConnectsWhenTheListenerComes() async throws {
    let url = Tools.ipc()
    let req = try Tools.starling([
      "cat", "--req0", "--dial", url, "--async", "-D", "early", "-Q", "--recv-timeout", "20",
    ])
    let rep = try Tools.starling(["cat", "--rep0", "--listen", url, "-D", "late", "-C", "1", "-Q"])
    let replied = try await req.finish()
    #expect(replied.status == 0, "\(replied.stderr)")
    #expect(replied.stdoutText == "\"late\"\n")
    #expect(try await rep.finish().stdoutText == "\"early\"\n")
  }

  @Test func helpExitsZeroWithUsage() async throws {
    let help = try await Tools.cat(["--help"])
    #expect(help.status == 0)
    #expect(help.stdoutText.contains("--req0"))
    #expect(help.stdoutText.contains("--recv-timeout"))
    let top = try await Tools.starling(["--help"]).finish()
    #expect(top.status == 0)
    #expect(top.stdoutText.contains("bench"))
    let bench = try await Tools.starling(["bench", "--help"]).finish()
    #expect(bench.status == 0)
    #expect(bench.stdoutText.contains("local_lat"))
  }

  /// Runs `starling cat ARGUMENTS` and checks it failed with exactly one line on stderr
  /// containing `expected`.
  func expectOneLineError(
    _ arguments: [String], containing expected: String, status: Int32? = nil
  )
    async throws
  {
    let outcome = try await Tools.cat(arguments)
    #expect(outcome.status != 0, "\(arguments) exited 0")
    if let status { #expect(outcome.status == status) }
    #expect(outcome.stderrLines.count == 1, "\(arguments): \(outcome.stderr)")
    #expect(outcome.stderr.contains(expected), "\(arguments): \(outcome.stderr)")
    #expect(outcome.stdout.isEmpty)
  }

  @Test func aBadURLIsOneLine() async throws {
    try await expectOneLineError(
      ["--req0", "--dial", "nonsense", "-D", "x"], containing: "nonsense", status: 1)
    try await expectOneLineError(
      ["--pull0", "--listen", "tcp://127.0.0.1:99999"], containing: "99999", status: 1)
    try await expectOneLineError(["--pull0", "--listen", "carrier-pigeon://x"], containing: "carrier-pigeon")
  }

  @Test func aRefusedDialIsOneLine() async throws {
    let port = try Tools.freePort()
    try await expectOneLineError(
      ["--req0", "--dial", "tcp://127.0.0.1:\(port)", "-D", "x"], containing: "refused", status: 1)
    try await expectOneLineError(["--push0", "--dial", Tools.ipc(), "-D", "x"], containing: "cannot dial")
  }

  @Test func badFlagsAreOneLine() async throws {
    try await expectOneLineError(
      ["--req0", "--bogus", "--dial", "tcp://h:1"], containing: "bogus", status: 64)
    try await expectOneLineError(["--dial", "tcp://h:1"], containing: "no protocol", status: 64)
    try await expectOneLineError(["--req0", "--dial", "tcp://h:1"], containing: "--data", status: 64)
    try await expectOneLineError(["--req0", "--rep0", "--dial", "tcp://h:1"], containing: "rep0", status: 64)
    try await expectOneLineError(["--pull0", "--dial", "tcp://h:1", "--count", "many"], containing: "many")
  }

  @Test func aReceiveTimeoutIsOneLine() async throws {
    try await expectOneLineError(
      ["--pull0", "--listen", Tools.ipc(), "--recv-timeout", "0.2"], containing: "timed out after 0.2 s",
      status: 1)
  }

  @Test func aReqWhoseReplyNeverComesTimesOut() async throws {
    // A rep without data prints requests and never answers.
    let rep = try Tools.starling(["cat", "--rep0", "--listen", "tcp://127.0.0.1:0", "-v"])
    let url = try await Tools.listeningURL(rep)
    try await expectOneLineError(
      ["--req0", "--dial", url, "-D", "x", "--recv-timeout", "0.3"], containing: "no reply: timed out",
      status: 1)
    _ = try await rep.stop()
  }

  @Test func reqAndRepOverTLSWithTheCertificateFlags() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("starling-cat-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let certificate = directory.appendingPathComponent("server.pem").path
    let key = directory.appendingPathComponent("server.key").path
    let openssl = try await ChildProcess(
      "/usr/bin/env",
      [
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
        "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      ]
    ).finish()
    try #require(openssl.status == 0, "openssl made a certificate: \(openssl.stderr)")

    let rep = try Tools.starling([
      "cat", "--rep0", "--listen", "tls+tcp://127.0.0.1:0", "-v", "-D", "pong", "-C", "2", "-Q",
      "--cert", certificate, "--key", key,
    ])
    let url = try await Tools.listeningURL(rep)
    // Without the authority, the dialer's default verification refuses the certificate.
    try await expectOneLineError(["--req0", "--dial", url, "-D", "x"], containing: "authority", status: 1)
    let verified = try await Tools.cat(["--req0", "--dial", url, "-D", "ping", "-Q", "--cacert", certificate])
    #expect(verified.status == 0, "\(verified.stderr)")
    #expect(verified.stdoutText == "\"pong\"\n")
    let insecure = try await Tools.cat(["--req0", "--dial", url, "-D", "ping", "-Q", "--insecure"])
    #expect(insecure.status == 0, "\(insecure.stderr)")
    #expect(insecure.stdoutText == "\"pong\"\n")
    #expect(try await rep.finish().status == 0)
  }

  @Test func unreadableTLSFilesAreOneLineErrors() async throws {
    try await expectOneLineError(
      ["--req0", "--dial", "tls+tcp://127.0.0.1:4433", "-D", "x", "--cacert", "/nonexistent/ca.pem"],
      containing: "cannot read the --cacert file", status: 1)
  }
}
