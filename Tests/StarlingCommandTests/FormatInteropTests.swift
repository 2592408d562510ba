import Foundation
import Testing

/// Each `--format` prints exactly what nngcat prints for the same message: every byte value,
/// sent by the other program, printed by both.
@Suite(.timeLimit(.minutes(5)))
struct FormatInteropTests {
  static let formats = ["raw", "ascii", "quoted", "hex", "msgpack"]

  /// Every byte value twice, as a file both programs can send with `--file`.
  func messageFile() throws -> String {
    let path = NSTemporaryDirectory() + "cat-format-\(UUID().uuidString)"
    let bytes = (0..<512).map { UInt8($0 % 256) }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  @Test(arguments: formats)
  func starlingPrintsWhatNngcatPrints(format: String) async throws {
    let file = try messageFile()
    defer { try? FileManager.default.removeItem(atPath: file) }

    // nngcat prints what Starling sends.
    let nngURL = Tools.ipc("fmt")
    let nngcat = try Tools.nngcat(["--pull0", "--listen", nngURL, "--verbose", "--format", format, "-C", "1"])
    _ = try await Tools.listeningURL(nngcat, on: .stdout)
    let push = try await Tools.cat(["--push0", "--dial", nngURL, "-F", file])
    #expect(push.status == 0, "\(push.stderr)")
    let nngOutcome = try await nngcat.finish()
    #expect(nngOutcome.status == 0)
    let listening = Array("Listening at: \(nngURL)\n".utf8)
    #expect(nngOutcome.stdout.starts(with: listening))
    let nngPrinted = Array(nngOutcome.stdout.dropFirst(listening.count))

    // Starling prints what nngcat sends.
    let url = Tools.ipc("fmt")
    let starling = try Tools.starling([
      "cat", "--pull0", "--listen", url, "-v", "--format", format, "-C", "1",
    ])
    _ = try await Tools.listeningURL(starling)
    let nngPush = try await Tools.nngcat(["--push0", "--dial", url, "-F", file]).finish()
    #expect(nngPush.status == 0, "\(nngPush.stderr)")
    let starlingOutcome = try await starling.finish()
    #expect(starlingOutcome.status == 0)

    #expect(!nngPrinted.isEmpty)
    #expect(starlingOutcome.stdout == nngPrinted)
  }

  @Test func theFormatFlagsMatchToo() async throws {
    for (flag, format) in [
      ("--raw", "raw"), ("-A", "ascii"), ("-Q", "quoted"), ("--hex", "hex"), ("--msgpack", "msgpack"),
    ] {
      let url = Tools.ipc("fmt")
      let starling = try Tools.starling(["cat", "--pull0", "--listen", url, "-v", flag, "-C", "1"])
      _ = try await Tools.listeningURL(starling)
      let push = try await Tools.nngcat(["--push0", "--dial", url, "-D", "tab\there \"q\""]).finish()
      #expect(push.status == 0)
      let printed = try await starling.finish().stdout
      let url2 = Tools.ipc("fmt")
      let byName = try Tools.starling([
        "cat", "--pull0", "--listen", url2, "-v", "--format", format, "-C", "1",
      ])
      _ = try await Tools.listeningURL(byName)
      _ = try await Tools.nngcat(["--push0", "--dial", url2, "-D", "tab\there \"q\""]).finish()
      #expect(try await byName.finish().stdout == printed, "\(flag)")
    }
  }
}
