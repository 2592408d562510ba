import Foundation
import Testing

/// The admin server's status page in a real browser: headless Chromium loads `/` from a
/// running `starling run --http`, and the page, polling `/status` by itself, shows numbers that
/// change while events flow.
@Suite(.timeLimit(.minutes(5)))
struct AdminPageTests {
  static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

  /// A generator feeding a sink, 100 events a second, for as long as it runs.
  static let flowing = """
    modules:
      gen:
        module: input.generator
        description: makes events
        arguments:
          interval: 0.01
      sink:
        module: output.null
    routes:
      - gen.outbox -> sink.inbox
    """

  /// Loads `url` in headless Chromium, lets the page run for `budget` of virtual time (its
  /// timers run, waiting for each fetch to be answered), and returns the DOM then.
  static func dumpDOM(_ url: String, budget: Int) async throws -> String {
    let profile = FileManager.default.temporaryDirectory.appendingPathComponent(
      "starling-chromium-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(at: profile) }
    let browser = try await ChildProcess(
      chromium!,
      [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile.path)",
        "--virtual-time-budget=\(budget)", "--dump-dom", url,
      ]
    ).finish(timeout: .seconds(120))
    #expect(browser.status == 0, "\(browser.stderr)")
    return browser.stdoutText
  }

  /// The value of `attribute` in the first tag that contains `marker`.
  static func attribute(_ attribute: String, ofTagWith marker: String, in dom: String) -> String? {
    guard let at = dom.range(of: marker) else { return nil }
    let start = dom[..<at.lowerBound].lastIndex(of: "<") ?? at.lowerBound
    let end = dom[at.upperBound...].firstIndex(of: ">") ?? dom.endIndex
    let tag = dom[start..<end]
    guard let found = tag.range(of: " \(attribute)=\"") else { return nil }
    return String(tag[found.upperBound...].prefix { $0 != "\"" })
  }

  @Test(
    .enabled(
      if: chromium != nil,
      "chromium is not installed (apt-get install -y chromium; scripts/test.sh installs it)"))
  func theNumbersOnThePageChangeWhileEventsFlow() async throws {
    let run = try Tools.starling(["run", try OpsPeer.config(Self.flowing), "--http", "127.0.0.1:0"])
    let port = try await AdminClient.port(of: run)
    _ = try await run.line(containing: "pipeline started")
    let dom = try await Self.dumpDOM("http://127.0.0.1:\(port)/", budget: 8000)
    // (How `>` is written in an attribute depends on the browser's version.)
    let route = "data-route=\"gen.outbox -"
    // The page polled /status several times and drew the graph and the queue's row.
    let updates = Int(Self.attribute("data-updates", ofTagWith: "<body", in: dom) ?? "") ?? 0
    #expect(updates >= 3, "\(dom)")
    #expect(dom.contains("<svg"), "\(dom)")
    #expect(dom.contains("<text class=\"name\" x=\"10\" y=\"22\">gen</text>"), "\(dom)")
    #expect(dom.contains("class=\"edge") && dom.contains(route), "\(dom)")
    // The row's count went up between the page's first poll and its last one.
    let rowMarker = "<tr " + route
    let first = Int(Self.attribute("data-first-in-total", ofTagWith: rowMarker, in: dom) ?? "")
    let last = Int(Self.attribute("data-in-total", ofTagWith: rowMarker, in: dom) ?? "")
    let seen = try #require(first)
    let now = try #require(last)
    #expect(now > seen, "\(dom)")
    #expect(dom.contains(">ready</span>"), "\(dom)")
    run.signal(SIGINT)
    #expect(try await run.finish().status == 0)
  }
}
