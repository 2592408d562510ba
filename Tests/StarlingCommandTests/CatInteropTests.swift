import Foundation
import Testing

/// `starling cat` against Debian's real `nngcat` (nng 1.5.2) and against pynng (nng 1.11), in
/// both directions, over tcp and ipc.
@Suite(.timeLimit(.minutes(5)))
struct CatInteropTests {
  /// Starts nngcat listening at a fresh address of `transport` and returns it with the URL, once
  /// it listens. Its stdout begins with the "Listening at:" line, which `output(_:)` drops.
  func nngcatListening(_ transport: String, _ arguments: [String]) async throws -> (ChildProcess, String) {
    let url = transport == "tcp" ? "tcp://127.0.0.1:\(try Tools.freePort())" : Tools.ipc("nngcat")
    let nngcat = try Tools.nngcat(arguments + ["--listen", url, "--verbose"])
    _ = try await Tools.listeningURL(nngcat, on: .stdout)
    return (nngcat, url)
  }

  /// What nngcat printed for messages (without its "Listening at:" line).
  func output(_ outcome: ChildProcess.Outcome) -> String {
    outcome.stdoutText.split(separator: "\n", omittingEmptySubsequences: false)
      .filter { !$0.hasPrefix("Listening at: ") && !$0.hasPrefix("Connected to: ") }.joined(separator: "\n")
  }

  func starlingListening(_ transport: String, _ arguments: [String]) async throws -> (ChildProcess, String) {
    let url = transport == "tcp" ? "tcp://127.0.0.1:0" : Tools.ipc()
    let starling = try Tools.starling(["cat"] + arguments + ["--listen", url, "-v"])
    return (starling, try await Tools.listeningURL(starling))
  }

  @Test(arguments: ["tcp", "ipc"])
  func starlingRepAnswersNngcatReq(transport: String) async throws {
    let (rep, url) = try await starlingListening(transport, ["--rep0", "-D", "pong", "-C", "1", "-Q"])
    let req = try await Tools.nngcat(["--req0", "--dial", url, "-D", "ping", "-Q"]).finish()
    #expect(req.status == 0, "\(req.stderr)")
    #expect(req.stdoutText == "\"pong\"\n")
    let served = try await rep.finish()
    #expect(served.status == 0)
    #expect(served.stdoutText == "\"ping\"\n")
  }

  @Test(arguments: ["tcp", "ipc"])
  func nngcatRepAnswersStarlingReq(transport: String) async throws {
    let (rep, url) = try await nngcatListening(transport, ["--rep0", "-D", "pong", "-C", "1", "-Q"])
    let req = try await Tools.cat(["--req0", "--dial", url, "-D", "ping", "-Q"])
    #expect(req.status == 0, "\(req.stderr)")
    #expect(req.stdoutText == "\"pong\"\n")
    let served = try await rep.finish()
    #expect(served.status == 0)
    #expect(output(served) == "\"ping\"\n")
  }

  @Test(arguments: ["tcp", "ipc"])
  func pushAndPullBothWays(transport: String) async throws {
    let (pull, url) = try await starlingListening(transport, ["--pull0", "-C", "2", "-A"])
    let push = try await Tools.nngcat(["--push0", "--dial", url, "-D", "n>s", "-C", "2"]).finish()
    #expect(push.status == 0, "\(push.stderr)")
    #expect(try await pull.finish().stdoutText == "n>sn>s")

    let (nngPull, nngURL) = try await nngcatListening(transport, ["--pull0", "-C", "2", "-A"])
    let starlingPush = try await Tools.cat(["--push0", "--dial", nngURL, "-D", "s>n", "-C", "2"])
    #expect(starlingPush.status == 0, "\(starlingPush.stderr)")
    let pulled = try await nngPull.finish()
    #expect(pulled.status == 0)
    #expect(output(pulled) == "s>ns>n")
  }

  @Test(arguments: ["tcp", "ipc"])
  func pubAndSubWithTopicsBothWays(transport: String) async throws {
    let (sub, url) = try await starlingListening(transport, ["--sub0", "--subscribe", "b:", "-C", "1", "-Q"])
    for data in ["a:skip", "b:keep"] {
      let pub = try await Tools.nngcat(["--pub0", "--dial", url, "-D", data]).finish()
      #expect(pub.status == 0, "\(pub.stderr)")
    }
    #expect(try await sub.finish().stdoutText == "\"b:keep\"\n")

    let (nngSub, nngURL) = try await nngcatListening(
      transport, ["--sub0", "--subscribe", "b:", "-C", "1", "-Q"])
    for data in ["a:skip", "b:keep"] {
      let pub = try await Tools.cat(["--pub0", "--dial", nngURL, "-D", data])
      #expect(pub.status == 0, "\(pub.stderr)")
    }
    #expect(output(try await nngSub.finish()) == "\"b:keep\"\n")
  }

  @Test(arguments: ["tcp", "ipc"])
  func surveyorAndRespondentBothWays(transport: String) async throws {
    let (respondent, url) = try await starlingListening(
      transport, ["--respondent0", "-D", "s-here", "-C", "1", "-Q"])
    let survey = try await Tools.nngcat(["--surveyor0", "--dial", url, "-D", "n-asks", "-Q"]).finish()
    #expect(survey.status == 0, "\(survey.stderr)")
    #expect(survey.stdoutText == "\"s-here\"\n")
    #expect(try await respondent.finish().stdoutText == "\"n-asks\"\n")

    let (nngRespondent, nngURL) = try await nngcatListening(
      transport, ["--respondent0", "-D", "n-here", "-C", "1", "-Q"])
    let starlingSurvey = try await Tools.cat(["--surveyor0", "--dial", nngURL, "-D", "s-asks", "-Q"])
    #expect(starlingSurvey.status == 0, "\(starlingSurvey.stderr)")
    #expect(starlingSurvey.stdoutText == "\"n-here\"\n")
    #expect(output(try await nngRespondent.finish()) == "\"s-asks\"\n")
  }

  @Test(arguments: [("tcp", "--pair1"), ("ipc", "--pair0"), ("tcp", "--pair0"), ("ipc", "--pair1")])
  func pairBothWays(transport: String, flag: String) async throws {
    // Starling listens; nngcat dials, sends and keeps printing until stopped.
    let (pair, url) = try await starlingListening(transport, [flag, "-D", "from-starling", "-C", "1", "-Q"])
    let nngPair = try Tools.nngcat([flag, "--dial", url, "-D", "from-nngcat", "-Q"])
    let starlingSide = try await pair.finish()
    #expect(starlingSide.status == 0, "\(starlingSide.stderr)")
    #expect(starlingSide.stdoutText == "\"from-nngcat\"\n")
    _ = try await nngPair.line(startingWith: "\"from-starling\"", on: .stdout)
    _ = try await nngPair.stop()

    // nngcat listens; Starling dials.
    let (nngListener, nngURL) = try await nngcatListening(transport, [flag, "-D", "from-nngcat", "-Q"])
    let dialer = try await Tools.cat([flag, "--dial", nngURL, "-D", "from-starling", "-C", "1", "-Q"])
    #expect(dialer.status == 0, "\(dialer.stderr)")
    #expect(dialer.stdoutText == "\"from-nngcat\"\n")
    _ = try await nngListener.line(startingWith: "\"from-starling\"", on: .stdout)
    _ = try await nngListener.stop()
  }

  @Test func busWithNngcat() async throws {
    let (bus, url) = try await starlingListening("tcp", ["--bus0", "-C", "1", "-Q"])
    let nngBus = try Tools.nngcat(["--bus0", "--dial", url, "-D", "bus-hello"])
    #expect(try await bus.finish().stdoutText == "\"bus-hello\"\n")
    _ = try await nngBus.stop()
  }

  // MARK: pynng (Tests/Interop/peer.py)

  /// Starts peer.py; with `listen` and tcp port 0 it reports the port.
  func pynng(
    _ proto: String, _ role: String, _ url: String, count: Int
  ) async throws -> (ChildProcess, String) {
    guard FileManager.default.isExecutableFile(atPath: Tools.python) else {
      throw ProcessError("no .venv with pynng: run scripts/test.sh, which installs it")
    }
    let peer = try ChildProcess(
      Tools.python,
      [Tools.root.appendingPathComponent("Tests/Interop/peer.py").path, proto, role, url, String(count)],
      keepInputOpen: true,
      // The peer gives up after its timeout; a loaded machine (or a sanitizer build) can take
      // seconds to start the other program.
      environment: ["PEER_TIMEOUT_MS": "60000"])
    var resolved = url
    if role == "listen", url.hasSuffix(":0") {
      let port = try await peer.line(startingWith: "PORT ", on: .stdout).dropFirst(5)
      resolved = "tcp://127.0.0.1:\(port)"
    }
    if role == "listen" { _ = try await peer.line(startingWith: "READY", on: .stdout) }
    return (peer, resolved)
  }

  func pynngLines(_ outcome: ChildProcess.Outcome, _ prefix: String) -> [String] {
    outcome.stdoutText.split(separator: "\n").filter { $0.hasPrefix(prefix) }.map {
      String($0.dropFirst(prefix.count))
    }
  }

  func hex(_ text: String) -> String {
    text.utf8.map { String(format: "%02x", $0) }.joined()
  }

  @Test(arguments: ["tcp", "ipc"])
  func reqRepWithPynngBothWays(transport: String) async throws {
    let listenURL = transport == "tcp" ? "tcp://127.0.0.1:0" : Tools.ipc("py")
    let (rep, url) = try await pynng("Rep0", "listen", listenURL, count: 1)
    let req = try await Tools.cat(["--req0", "--dial", url, "-D", "ping", "-Q"])
    #expect(req.status == 0, "\(req.stderr)")
    #expect(req.stdoutText == "\"re:ping\"\n")
    rep.closeInput()
    _ = try await rep.finish()

    let (starlingRep, starlingURL) = try await starlingListening(
      transport, ["--rep0", "-D", "pong", "-C", "2", "-Q"])
    let (pyReq, _) = try await pynng("Req0", "dial", starlingURL, count: 2)
    let requests = try await starlingRep.finish()
    #expect(requests.stdoutText == "\"q0\"\n\"q1\"\n")
    _ = try await pyReq.line(startingWith: "DONE", on: .stdout)
    pyReq.closeInput()
    #expect(pynngLines(try await pyReq.finish(), "RECV ") == [hex("pong"), hex("pong")])
  }

  @Test(arguments: ["tcp", "ipc"])
  func pushPullWithPynngBothWays(transport: String) async throws {
    let listenURL = transport == "tcp" ? "tcp://127.0.0.1:0" : Tools.ipc("py")
    let (pull, url) = try await pynng("Pull0", "listen", listenURL, count: 2)
    let push = try await Tools.cat(["--push0", "--dial", url, "-D", "to-py", "-C", "2"])
    #expect(push.status == 0, "\(push.stderr)")
    _ = try await pull.line(startingWith: "DONE", on: .stdout)
    pull.closeInput()
    #expect(pynngLines(try await pull.finish(), "RECV ") == [hex("to-py"), hex("to-py")])

    let (starlingPull, starlingURL) = try await starlingListening(transport, ["--pull0", "-C", "2", "-Q"])
    let (pyPush, _) = try await pynng("Push0", "dial", starlingURL, count: 2)
    #expect(try await starlingPull.finish().stdoutText == "\"m0\"\n\"m1\"\n")
    pyPush.closeInput()
    _ = try await pyPush.finish()
  }

  @Test func pair1WithPynng() async throws {
    let (pair, url) = try await pynng("Pair1", "listen", "tcp://127.0.0.1:0", count: 1)
    let starling = try await Tools.cat(["--pair1", "--dial", url, "-D", "hi", "-C", "1", "-Q"])
    #expect(starling.status == 0, "\(starling.stderr)")
    #expect(starling.stdoutText == "\"re:hi\"\n")
    pair.closeInput()
    #expect(pynngLines(try await pair.finish(), "RECV ") == [hex("hi")])
  }
}
