import ArgumentParser
import Foundation
import Testing

@testable import StarlingCommandLine

/// Flags to ``CatConfiguration``: nngcat's names and aliases, and nngcat's rules about which
/// options go together.
@Suite(.timeLimit(.minutes(5)))
struct CatConfigurationTests {
  func configuration(_ arguments: [String]) throws -> CatConfiguration {
    try CatCommand.parse(arguments).makeConfiguration()
  }

  func usageError(_ arguments: [String]) -> String? {
    do {
      _ = try configuration(arguments)
      return nil
    } catch let error as CatError {
      guard case .usage(let text) = error else { return "not a usage error: \(error)" }
      return text
    } catch {
      return CatCommand.message(for: error)
    }
  }

  @Test func everyProtocolFlagAndAlias() throws {
    let flags: [(String, SocketKind)] = [
      ("--req0", .req0), ("--req", .req0), ("--rep0", .rep0), ("--rep", .rep0), ("--pub0", .pub0),
      ("--pub", .pub0), ("--sub0", .sub0), ("--sub", .sub0), ("--push0", .push0), ("--push", .push0),
      ("--pull0", .pull0), ("--pull", .pull0), ("--surveyor0", .surveyor0), ("--surveyor", .surveyor0),
      ("--respondent0", .respondent0), ("--respondent", .respondent0), ("--pair0", .pair0),
      ("--pair1", .pair1), ("--pair", .pair1), ("--bus0", .bus0), ("--bus", .bus0),
    ]
    for (flag, kind) in flags {
      let data = kind.sendsData ? ["--data", "x"] : []
      let config = try configuration([flag, "--dial", "tcp://127.0.0.1:1"] + data)
      #expect(config.kind == kind, "\(flag)")
    }
  }

  @Test func addressesInEveryForm() throws {
    let config = try configuration([
      "--pull0", "--dial", "tcp://a:1", "--connect", "tcp://b:2", "--listen", "tcp://*:3", "--bind",
      "ipc:///c",
      "-L", "4", "--bind-local", "5", "-l", "6", "--connect-local", "7", "-X", "x.sock", "--bind-ipc",
      "/tmp/y",
      "-x", "z.sock", "--connect-ipc", "w.sock",
    ])
    #expect(
      config.endpoints == [
        .listen("tcp://*:3"), .listen("ipc:///c"), .listen("tcp://127.0.0.1:4"), .listen("tcp://127.0.0.1:5"),
        .listen("ipc:///x.sock"), .listen("ipc:////tmp/y"), .dial("tcp://a:1"), .dial("tcp://b:2"),
        .dial("tcp://127.0.0.1:6"), .dial("tcp://127.0.0.1:7"), .dial("ipc:///z.sock"),
        .dial("ipc:///w.sock"),
      ])
  }

  @Test func formatsByNameAndByFlag() throws {
    let cases: [([String], OutputFormat)] = [
      ([], .no), (["--format", "no"], .no), (["--format", "raw"], .raw), (["--raw"], .raw),
      (["--format", "ascii"], .ascii), (["--ascii"], .ascii), (["-A"], .ascii), (["--quoted"], .quoted),
      (["-Q"], .quoted), (["--format", "quoted"], .quoted), (["--hex"], .hex), (["--format", "hex"], .hex),
      (["--msgpack"], .msgpack), (["--format", "msgpack"], .msgpack),
    ]
    for (flags, format) in cases {
      #expect(try configuration(["--pull0", "--dial", "tcp://h:1"] + flags).format == format, "\(flags)")
    }
  }

  @Test func numbersTimesAndTopics() throws {
    let config = try configuration([
      "--sub0", "--dial", "tcp://h:1", "-C", "3", "-d", "0.25", "--recv-timeout", "2", "--send-timeout", ".5",
      "-Z", "100", "--subscribe", "a", "--subscribe", "b", "-v",
    ])
    #expect(config.count == 3)
    #expect(config.delay == .milliseconds(250))
    #expect(config.receiveTimeout == .seconds(2))
    #expect(config.sendTimeout == .milliseconds(500))
    #expect(config.receiveMaxSize == 100)
    #expect(config.topics == ["a", "b"])
    #expect(config.verbosity == .verbose)
    let pair = try configuration(["--pair", "--dial", "tcp://h:1", "-D", "hi", "--interval", "1.5", "-q"])
    #expect(pair.interval == .milliseconds(1500))
    #expect(pair.data == Array("hi".utf8))
    #expect(pair.verbosity == .silent)
  }

  @Test func aSubWithoutATopicSubscribesToEverything() throws {
    #expect(try configuration(["--sub0", "--dial", "tcp://h:1"]).topics == [""])
  }

  @Test func dataFromAFileOrStdinIsRead() throws {
    let path = NSTemporaryDirectory() + "cat-data-\(UUID().uuidString)"
    try Data([0, 1, 2, 0xff]).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(try configuration(["--push0", "--dial", "tcp://h:1", "-F", path]).data == [0, 1, 2, 0xff])
    #expect(
      usageError(["--push0", "--dial", "tcp://h:1", "--file", path + ".missing"])?.contains("cannot read")
        == true)
  }

  @Test func tlsFlagsAreKept() throws {
    let config = try configuration([
      "--req0", "--dial", "tls+tcp://h:1", "-D", "x", "--cacert", "ca.pem", "-E", "me.pem", "--key", "me.key",
      "-k",
    ])
    #expect(
      config.tls == TLSSettings(caCertificate: "ca.pem", certificate: "me.pem", key: "me.key", insecure: true)
    )
  }

  @Test func nngcatsRulesAreEnforced() {
    let dial = ["--dial", "tcp://h:1"]
    let rejected: [[String]] = [
      dial,  // no protocol
      ["--req0", "-D", "x"],  // no address
      ["--req0"] + dial,  // a req needs data
      ["--surveyor0"] + dial,
      ["--push0"] + dial,
      ["--pub0", "-D", "x", "--ascii"] + dial,  // nothing to print
      ["--pull0", "-D", "x"] + dial,  // cannot send
      ["--sub0", "--interval", "1"] + dial,
      ["--rep0", "--interval", "1", "-D", "x"] + dial,
      ["--pair1", "--interval", "1"] + dial,  // interval without data
      ["--req0", "--subscribe", "a", "-D", "x"] + dial,
      ["--req0", "-D", "x", "-F", "/dev/null"] + dial,  // data twice
      ["--pull0", "--ascii", "--hex"] + dial,  // two formats
      ["--pull0", "--format", "fancy"] + dial,
      ["--pull0", "--delay", "soon"] + dial,
      ["--pull0", "--recv-timeout", "-1"] + dial,
      ["--pull0", "--count", "0"] + dial,
      ["--pull0", "-L", "70000"],
      ["--req0", "--rep0", "-D", "x"] + dial,  // two protocols
      ["--pull0", "--no-such-flag"] + dial,
    ]
    for arguments in rejected {
      let error = usageError(arguments)
      #expect(error != nil, "\(arguments) was accepted")
      #expect(error?.contains("\n") != true, "\(arguments): \(error ?? "")")
    }
  }
}
