import Foundation
import Testing

/// Requests to `starling run --http`'s admin server, made with curl (a real HTTP client).
enum AdminClient {
  /// An answer: status, headers (lower-cased names) and body.
  struct Reply: Sendable {
    var status: Int
    var headers: [String: String]
    var body: String
  }

  /// The admin server's port, from its `admin server listening on http://HOST:PORT` line.
  static func port(of run: ChildProcess) async throws -> Int {
    let line = try await run.line(containing: "admin server listening on http://")
    guard let port = line.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
      throw ProcessError("no port in '\(line)'")
    }
    return port
  }

  /// `METHOD http://127.0.0.1:PORT PATH`.
  static func request(_ port: Int, _ path: String, method: String = "GET") async throws -> Reply {
    let how = method == "HEAD" ? ["--head"] : ["--request", method]
    let curl = try await ChildProcess(
      "/usr/bin/curl",
      ["--silent", "--show-error", "--max-time", "30", "--include"] + how + [
        "http://127.0.0.1:\(port)\(path)"
      ]
    ).finish(timeout: .seconds(60))
    guard curl.status == 0 else { throw ProcessError("curl \(path): \(curl.stderr)") }
    let text = curl.stdoutText
    let split = text.range(of: "\r\n\r\n") ?? text.endIndex..<text.endIndex
    let head = text[..<split.lowerBound].split(separator: "\r\n")
    guard let first = head.first,
      let status = first.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
    else {
      throw ProcessError("no status line in '\(text)'")
    }
    var headers: [String: String] = [:]
    for line in head.dropFirst() {
      guard let colon = line.firstIndex(of: ":") else { continue }
      headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
        in: .whitespaces)
    }
    return Reply(status: status, headers: headers, body: String(text[split.upperBound...]))
  }

  /// `/status`, parsed.
  static func status(_ port: Int) async throws -> [String: Any] {
    let reply = try await request(port, "/status")
    #expect(reply.status == 200)
    return try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
  }

  /// Asks `/status` until `holds` is true of it; fails after `timeout` (a safety net: each
  /// answer is checked as it comes).
  @discardableResult
  static func waitForStatus(
    _ port: Int, timeout: Duration = .seconds(60), _ what: String, _ holds: ([String: Any]) -> Bool
  ) async throws -> [String: Any] {
    let deadline = ContinuousClock.now + timeout
    var last: [String: Any] = [:]
    while ContinuousClock.now < deadline {
      last = try await status(port)
      if holds(last) { return last }
      try await Task.sleep(for: .milliseconds(50))
    }
    throw ProcessError("/status never showed \(what): \(last)")
  }

  /// The module named `name` in the first pipeline of a `/status` answer.
  static func module(_ name: String, in status: [String: Any]) -> [String: Any]? {
    let pipelines = status["pipelines"] as? [[String: Any]] ?? []
    let modules = pipelines.first?["modules"] as? [[String: Any]] ?? []
    return modules.first { $0["name"] as? String == name }
  }

  /// The value of the sample of `metric` whose labels include `labels`, in Prometheus text.
  static func sample(_ metric: String, _ labels: [String: String], in text: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(metric + "{") || line.hasPrefix(metric + " ")
    {
      guard let space = line.lastIndex(of: " ") else { continue }
      let series = line[..<space]
      if labels.allSatisfy({ series.contains("\($0.key)=\"\($0.value)\"") }) {
        return Double(line[line.index(after: space)...])
      }
    }
    return nil
  }
}
