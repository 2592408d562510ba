import Foundation
import Testing

@testable import Starling

/// `Examples/BrowserRep/index.html` in a real browser: headless Chromium loads the page, whose
/// script speaks SP over WebSocket to a Starling `Rep0`, shows the reply, and reports what it
/// shows as a second request.
@Suite(.timeLimit(.minutes(5))) struct BrowserExampleTests {
  static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

  @Test(
    .enabled(
      if: chromium != nil,
      "chromium is not installed (apt-get install -y chromium; scripts/test.sh installs it)"))
  func pageShowsTheReply() async throws {
    let rep = Rep0()
    defer { rep.close() }
    let address = try await rep.listen("ws://127.0.0.1:0/rpc").address
    let page = NngPeer.root.appendingPathComponent("Examples/BrowserRep/index.html")
    let profile = FileManager.default.temporaryDirectory.appendingPathComponent(
      "starling-chromium-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(at: profile) }

    let browser = Process()
    browser.executableURL = URL(fileURLWithPath: Self.chromium!)
    browser.arguments = [
      "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile.path)",
      "\(page.absoluteString)?url=\(address.url)&ask&report",
    ]
    browser.standardOutput = FileHandle.nullDevice
    browser.standardError = FileHandle.nullDevice
    try browser.run()
    defer {
      browser.terminate()
      browser.waitUntilExit()
    }

    rep.options.receiveTimeout = .seconds(60)
    let question = try await rep.nextRequest()
    #expect(question.message.header.readableBytes == 4, "the page sends a 4-byte request ID")
    #expect(question.message.string == "browser")
    try await question.reply(Message(string: "hello, \(question.message.string)"))

    let report = try await rep.nextRequest()
    #expect(report.message.string == "shown: hello, browser")
    try await report.reply(Message(string: "thanks"))
  }
}
